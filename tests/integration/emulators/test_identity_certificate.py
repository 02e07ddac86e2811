"""Certificate credentials: msal signs a client assertion with a key whose certificate the app registered."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import msal
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from emulators.identity import IdentityEmulator
from emulators.tls import TlsFiles, self_signed

pytestmark = pytest.mark.integration

TENANT = "contoso"
EXCHANGE = "https://outlook.office365.com"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def idp(tls: TlsFiles) -> Iterator[IdentityEmulator]:
    with IdentityEmulator().serving(tls=tls) as running:
        yield running


def confidential(idp: IdentityEmulator, tls: TlsFiles, credential: Any) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        "cert-app", client_credential=credential, **idp.msal_options(TENANT, tls.cert)
    )


def certificate_and_key() -> tuple[str, str, str]:
    """(certificate PEM, private key PEM, SHA-1 thumbprint hex) as an admin would upload and keep."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "commsync-daemon")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    sha1 = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()  # noqa: S324
    return cert_pem, key_pem, sha1


@pytest.mark.parametrize("style", ["sha1 thumbprint (RS256, x5t)", "public certificate (PS256, x5t#S256)"])
def test_certificate_credential_gets_a_token(idp: IdentityEmulator, tls: TlsFiles, style: str) -> None:
    # GIVEN an app whose registration holds a certificate, and msal holding its private key
    cert_pem, key_pem, sha1 = certificate_and_key()
    idp.add_app(TENANT, "cert-app", certificate_pem=cert_pem, roles={EXCHANGE: ["full_access_as_app"]})
    credential = (
        {"private_key": key_pem, "thumbprint": sha1}
        if style.startswith("sha1")
        else {"private_key": key_pem, "public_certificate": cert_pem}
    )

    # WHEN msal signs a client assertion with it
    result = confidential(idp, tls, credential).acquire_token_for_client([f"{EXCHANGE}/.default"])

    # THEN the emulator accepted the assertion; the token says a certificate authenticated the app
    assert "access_token" in result, result
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["appidacr"] == "2"


def test_a_certificate_the_app_never_registered_is_invalid_client(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN an app registered with one certificate, and a client signing with another
    registered, _, _ = certificate_and_key()
    _, other_key, other_sha1 = certificate_and_key()
    idp.add_app(TENANT, "cert-app", certificate_pem=registered)

    # WHEN msal presents the assertion
    app = confidential(idp, tls, {"private_key": other_key, "thumbprint": other_sha1})
    result = app.acquire_token_for_client([f"{EXCHANGE}/.default"])

    # THEN it is refused as the real service does
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]


@pytest.mark.parametrize(
    ("change", "code"),
    [({"aud": "https://login.example/other/oauth2/v2.0/token"}, 700027), ({"exp": -900}, 700024)],
    ids=["foreign audience", "expired"],
)
def test_client_assertion_audience_and_expiry_are_checked(
    idp: IdentityEmulator, tls: TlsFiles, change: dict[str, Any], code: int
) -> None:
    # GIVEN a hand-made assertion signed by the registered key but with a wrong aud or exp
    cert_pem, key_pem, sha1 = certificate_and_key()
    idp.add_app(TENANT, "cert-app", certificate_pem=cert_pem, roles={EXCHANGE: ["full_access_as_app"]})
    now = int(time.time())
    payload = {
        "aud": f"{idp.url}/{idp.tenant_id(TENANT)}/oauth2/v2.0/token",
        "iss": "cert-app",
        "sub": "cert-app",
        "jti": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 600,
    }
    payload.update({k: (now + v if k == "exp" else v) for k, v in change.items()})
    x5t = jwt.utils.base64url_encode(bytes.fromhex(sha1)).decode()
    assertion = jwt.encode(payload, key_pem, algorithm="RS256", headers={"x5t": x5t})

    # WHEN msal sends it as the client credential
    app = confidential(idp, tls, {"client_assertion": lambda: assertion})
    result = app.acquire_token_for_client([f"{EXCHANGE}/.default"])

    # THEN the emulator rejects it with the matching AADSTS code
    assert result["error"] == "invalid_client" and result["error_codes"] == [code]
