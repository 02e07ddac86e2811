"""How a client proves itself at the token endpoint: secret (body or HTTP Basic) or certificate.

RFC 6749 2.3.1: a secret travels as `client_secret` in the body or as HTTP Basic with the
form-encoded id and secret. RFC 7523 and "Microsoft identity platform certificate credentials":
a `client_assertion` JWT signed by a registered certificate, named by its `x5t` (SHA-1) or
`x5t#S256` header, with `aud` the token endpoint, `iss` = `sub` = client_id, and a valid `exp`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from emulators.identity import errors
from emulators.identity.claims import CERTIFICATE, PUBLIC, SECRET
from emulators.identity.config import AppConfig
from emulators.identity.keys import b64url

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_ALGORITHMS = ["RS256", "PS256", "RS384", "PS384", "RS512", "PS512"]
_SKEW_SECONDS = 300  # Entra tolerates five minutes of clock skew on client assertions


@dataclass(frozen=True)
class PresentedCredentials:
    client_id: str | None
    secret: str | None
    assertion: str | None
    assertion_type: str | None

    @classmethod
    def from_request(cls, form: dict[str, str], authorization: str | None) -> PresentedCredentials:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if authorization and authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
            except ValueError as exc:
                raise errors.AadError(
                    "invalid_request", 900023, "The Authorization header is malformed."
                ) from exc
            basic_id, _, basic_secret = decoded.partition(":")
            client_id, secret = unquote_plus(basic_id), unquote_plus(basic_secret)
        return cls(client_id, secret, form.get("client_assertion"), form.get("client_assertion_type"))


def authenticate(
    presented: PresentedCredentials, app: AppConfig, grant_type: str, audiences: set[str], now: float
) -> str:
    """Return the `appidacr` the tokens will carry, or raise the AADSTS error Entra would."""
    if app.is_public:
        if presented.secret or presented.assertion:
            raise errors.public_client_with_credential()
        if grant_type == "client_credentials":
            raise errors.credential_required(grant_type)
        return PUBLIC
    if presented.assertion:
        _check_assertion(presented, app, audiences, now)
        return CERTIFICATE
    if presented.secret:
        _check_secret(presented.secret, app, now)
        return SECRET
    raise errors.credential_required(grant_type)


def _check_secret(secret: str, app: AppConfig, now: float) -> None:
    for registered in app.secrets:
        if hmac.compare_digest(registered.value.get_secret_value().encode(), secret.encode()):
            if registered.expires is not None and registered.expires.timestamp() <= now:
                raise errors.expired_secret(app.client_id)
            return
    raise errors.wrong_secret(app.client_id)


def _thumbprints(cert: x509.Certificate) -> tuple[str, str]:
    der = cert.public_bytes(serialization.Encoding.DER)
    return b64url(hashlib.sha1(der).digest()), b64url(hashlib.sha256(der).digest())  # noqa: S324


def _unpadded(value: object) -> str | None:
    return value.rstrip("=") if isinstance(value, str) else None


def _registered_certificate(header: dict[str, Any], app: AppConfig) -> x509.Certificate:
    for pem in app.certificates:
        cert = x509.load_pem_x509_certificate(pem.encode())
        sha1, sha256 = _thumbprints(cert)
        # msal sends the thumbprints base64url *with* padding; RFC 7515 4.1.7 says without.
        if _unpadded(header.get("x5t#S256")) == sha256 or _unpadded(header.get("x5t")) == sha1:
            return cert
    raise errors.bad_assertion("The key was not found: no registered certificate has this x5t / x5t#S256.")


def _check_assertion(
    presented: PresentedCredentials, app: AppConfig, audiences: set[str], now: float
) -> None:
    if presented.assertion_type != JWT_BEARER:
        raise errors.AadError("invalid_request", 50027, f"client_assertion_type must be '{JWT_BEARER}'.")
    assert presented.assertion is not None
    try:
        header = jwt.get_unverified_header(presented.assertion)
    except jwt.PyJWTError as exc:
        raise errors.bad_assertion("JWT token is invalid or malformed.", 50027) from exc
    cert = _registered_certificate(header, app)
    if cert.not_valid_after_utc.timestamp() < now:
        raise errors.bad_assertion("The certificate has expired.")
    try:
        claims = jwt.decode(
            presented.assertion,
            cert.public_key(),  # type: ignore[arg-type]
            algorithms=_ALGORITHMS,
            options={"verify_aud": False, "require": ["exp", "aud", "iss", "sub"]},
            leeway=_SKEW_SECONDS,
        )
    except (jwt.ExpiredSignatureError, jwt.ImmatureSignatureError) as exc:
        raise errors.bad_assertion("Client assertion is not within its valid time range.", 700024) from exc
    except jwt.PyJWTError as exc:
        raise errors.bad_assertion("The signature does not match the registered certificate.") from exc
    if str(claims["aud"]).lower() not in audiences:
        raise errors.bad_assertion(f"The audience '{claims['aud']}' is not this tenant's token endpoint.")
    if claims["iss"] != app.client_id or claims["sub"] != app.client_id:
        raise errors.bad_assertion("The iss and sub claims must both be the client_id.")
