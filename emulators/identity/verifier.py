"""Check a bearer token as a resource server (EWS, Graph emulators) would: signature, time, aud, iss.

"Validate tokens" (Microsoft identity platform): fetch the signing keys from the issuer's JWKS,
pick the key by the token's `kid`, check the RS256 signature, `exp` / `nbf`, that `aud` is this
resource and that `iss` belongs to the expected authority.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests

log = logging.getLogger("emulators.identity.verifier")
_REFETCH_AFTER_SECONDS = 10.0  # an unknown kid refetches the JWKS (identity emulator restarted)


class BearerVerifier:
    """`verifier(token, audience)` returns the token's claims, or None when it is not valid.

    `issuer_url` is the identity emulator's URL (or an authority under it); the JWKS is fetched
    once over HTTPS from `<origin>/common/discovery/v2.0/keys`, trusting `ca_file`. With `jwks`
    given (IdentityEmulator.verifier()) nothing is fetched.
    """

    def __init__(
        self,
        issuer_url: str,
        ca_file: Path | None,
        *,
        jwks: dict[str, Any] | None = None,
        leeway_seconds: float = 0.0,
    ) -> None:
        self.issuer_url = issuer_url.rstrip("/")
        self.ca_file = ca_file
        self.leeway_seconds = leeway_seconds
        self._lock = threading.Lock()
        self._fetched_at: float | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fixed = jwks is not None
        if jwks is not None:
            self._keys = _parse(jwks)

    def __call__(self, token: str, audience: str) -> dict[str, Any] | None:
        token = token.removeprefix("Bearer ").strip()
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self._key(str(kid))
            if key is None:
                return None
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=audience,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "nbf", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            log.debug("bearer token rejected: %s", type(exc).__name__)
            return None
        if not str(claims.get("iss", "")).startswith(self.issuer_url):
            return None
        return claims

    def _key(self, kid: str) -> jwt.PyJWK | None:
        with self._lock:
            if kid not in self._keys and not self._fixed and self._may_fetch():
                self._keys = self._fetch()
            return self._keys.get(kid)

    def _may_fetch(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= _REFETCH_AFTER_SECONDS

    def _fetch(self) -> dict[str, jwt.PyJWK]:
        self._fetched_at = time.monotonic()
        parts = urlsplit(self.issuer_url)
        url = f"{parts.scheme}://{parts.netloc}/common/discovery/v2.0/keys"
        try:
            response = requests.get(url, verify=str(self.ca_file) if self.ca_file else True, timeout=10)
            response.raise_for_status()
            return _parse(response.json())
        except (requests.RequestException, ValueError) as exc:
            log.warning("cannot fetch signing keys from %s: %s", url, type(exc).__name__)
            return self._keys


def _parse(jwks: dict[str, Any]) -> dict[str, jwt.PyJWK]:
    return {str(k["kid"]): jwt.PyJWK(k, algorithm="RS256") for k in jwks.get("keys", []) if "kid" in k}
