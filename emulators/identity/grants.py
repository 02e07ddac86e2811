"""Authorization codes and refresh tokens: what each stands for, and when it stops working.

Microsoft identity platform, "authorization code flow": a code lives about 10 minutes, is
redeemed once, needs the same redirect_uri and, with PKCE (RFC 7636), a verifier matching the
challenge. "Refresh tokens": each redemption returns a new refresh token; revocation (password
change, admin revoke) turns the old ones into invalid_grant.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass

from emulators.identity import errors


@dataclass(frozen=True)
class UserGrant:
    """A user's consent to one client, carried by a code or a refresh token."""

    tenant: str  # the tenant's name in the directory
    client_id: str
    upn: str
    scope: str  # as requested, space separated
    auth_time: int
    nonce: str | None = None


@dataclass
class AuthorizationCode:
    grant: UserGrant
    redirect_uri: str
    code_challenge: str | None
    code_challenge_method: str
    expires_at: float
    redeemed: bool = False

    def check_verifier(self, verifier: str | None) -> None:
        if self.code_challenge is None:
            return
        if not verifier:
            raise errors.missing_parameter("code_verifier")
        if self.code_challenge_method == "S256":
            digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
            expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        else:
            expected = verifier
        if not hmac.compare_digest(expected, self.code_challenge):
            raise errors.bad_grant(
                errors.PKCE_MISMATCH,
                "The code_verifier does not match the code_challenge supplied in the authorization request.",
            )


@dataclass
class RefreshToken:
    grant: UserGrant
    expires_at: float
    revoked: bool = False
    redeemed: bool = False


class GrantStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._refresh: dict[str, RefreshToken] = {}

    def issue_code(self, code: AuthorizationCode) -> str:
        value = "1.A" + secrets.token_urlsafe(48)
        with self._lock:
            self._codes[value] = code
        return value

    def redeem_code(self, value: str, now: float) -> AuthorizationCode:
        with self._lock:
            code = self._codes.get(value)
            if code is None:
                raise errors.bad_grant(
                    errors.MALFORMED_GRANT, "Invalid request. Request is malformed or invalid."
                )
            if code.redeemed:
                raise errors.bad_grant(
                    errors.CODE_REDEEMED,
                    "OAuth2 Authorization code was already redeemed, please retry with a new valid code.",
                )
            code.redeemed = True  # single use, even when the rest of the request then fails
        if now >= code.expires_at:
            raise errors.bad_grant(
                errors.CODE_EXPIRED,
                "The provided authorization code or refresh token has expired due to inactivity.",
            )
        return code

    def issue_refresh_token(self, grant: UserGrant, expires_at: float) -> str:
        value = "1.A" + secrets.token_urlsafe(64)
        with self._lock:
            self._refresh[value] = RefreshToken(grant, expires_at)
        return value

    def redeem_refresh_token(self, value: str, client_id: str, now: float, single_use: bool) -> UserGrant:
        with self._lock:
            token = self._refresh.get(value)
            if token is None or token.grant.client_id != client_id:
                raise errors.bad_grant(errors.GRANT_MISMATCH, "Provided grant is invalid or malformed.")
            if token.revoked:
                raise errors.bad_grant(
                    errors.REFRESH_REVOKED,
                    "The provided grant has expired due to it being revoked, a fresh auth token is needed. "
                    "The user might have changed or reset their password.",
                )
            if now >= token.expires_at:
                raise errors.bad_grant(
                    errors.REFRESH_EXPIRED, "The refresh token has expired due to maximum lifetime."
                )
            if single_use and token.redeemed:
                raise errors.bad_grant(
                    errors.GRANT_MISMATCH, "Provided grant is invalid or malformed (already redeemed)."
                )
            token.redeemed = True
            return token.grant

    def revoke(self, tenant: str, upn: str | None = None) -> int:
        """Revoke the refresh tokens of a tenant (of one user when `upn` is given); returns how many."""
        count = 0
        with self._lock:
            for token in self._refresh.values():
                same_user = upn is None or token.grant.upn.lower() == upn.lower()
                if token.grant.tenant == tenant and same_user and not token.revoked:
                    token.revoked = True
                    count += 1
        return count
