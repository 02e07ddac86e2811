"""BearerVerifier: what the EWS and Graph emulators use to accept or refuse a bearer token."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator

import msal
import pytest

from emulators.identity import BearerVerifier, IdentityEmulator, trusting_session
from emulators.identity.keys import SigningKey
from emulators.tls import TlsFiles, self_signed

pytestmark = pytest.mark.integration

TENANT = "contoso"
APP = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
SECRET = "Vb2~verifier-client-secret"
EXCHANGE = "https://outlook.office365.com"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def idp(tls: TlsFiles) -> Iterator[IdentityEmulator]:
    emulator = IdentityEmulator()
    emulator.add_app(TENANT, APP, secret=SECRET, roles={EXCHANGE: ["full_access_as_app"]})
    emulator.add_user(TENANT, "alice@contoso.example", "pw-alice-1")
    with emulator.serving(tls=tls):
        yield emulator


def msal_token(idp: IdentityEmulator, tls: TlsFiles) -> str:
    app = msal.ConfidentialClientApplication(
        APP,
        client_credential=SECRET,
        authority=idp.authority(TENANT),
        instance_discovery=False,
        http_client=trusting_session(tls.cert),
    )
    token: str = app.acquire_token_for_client([f"{EXCHANGE}/.default"])["access_token"]
    return token


def tampered(token: str, **changes: object) -> str:
    """The same header and signature around an edited payload (a forged token)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    edited = base64.urlsafe_b64encode(json.dumps({**claims, **changes}).encode()).rstrip(b"=").decode()
    return f"{header}.{edited}.{signature}"


def test_a_real_token_is_accepted_over_https(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a verifier that fetches the emulator's JWKS over HTTPS, and a token msal obtained
    verifier = BearerVerifier(idp.url or "", tls.cert)
    token = msal_token(idp, tls)

    # WHEN Exchange's emulator checks it, with or without the "Bearer " prefix
    claims = verifier(token, EXCHANGE)

    # THEN the claims come back
    assert claims is not None and claims["roles"] == ["full_access_as_app"] and claims["appid"] == APP
    assert verifier(f"Bearer {token}", EXCHANGE) == claims


def test_forged_foreign_expired_and_misdirected_tokens_are_refused(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN a verifier and a genuine token
    verifier = BearerVerifier(idp.url or "", tls.cert)
    token = msal_token(idp, tls)
    assert verifier(token, EXCHANGE) is not None

    # WHEN it sees a forged payload, a token signed by another key, an expired one, one for Graph
    forged = tampered(token, roles=["full_access_as_app", "Mail.ReadWrite"])
    foreign = SigningKey.generate().sign({**(verifier(token, EXCHANGE) or {})})
    idp.clock = lambda: time.time() - 7200  # minted two hours ago, valid for one
    expired = idp.app_token(TENANT, APP, EXCHANGE)

    # THEN each one is refused
    assert verifier(forged, EXCHANGE) is None
    assert verifier(foreign, EXCHANGE) is None
    assert verifier(expired, EXCHANGE) is None
    assert verifier(token, "https://graph.microsoft.com") is None
    assert verifier("not-a-jwt", EXCHANGE) is None


def test_another_issuer_is_refused(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a verifier expecting one tenant's authority, and a token of another tenant
    idp.add_app("fabrikam", "fabrikam-app", secret=SECRET, roles={EXCHANGE: ["full_access_as_app"]})
    verifier = BearerVerifier(f"{idp.url}/{idp.tenant_id(TENANT)}", tls.cert)

    # WHEN both tenants' tokens are checked
    ours = idp.app_token(TENANT, APP, EXCHANGE)
    theirs = idp.app_token("fabrikam", "fabrikam-app", EXCHANGE)

    # THEN only the expected tenant's token passes
    assert verifier(ours, EXCHANGE) is not None
    assert verifier(theirs, EXCHANGE) is None


def test_in_process_verifier_needs_no_http_and_checks_the_same(idp: IdentityEmulator) -> None:
    # GIVEN the emulator's own verifier and a delegated EWS token minted without HTTP
    verifier = idp.verifier()
    token = idp.user_token(TENANT, APP, "alice@contoso.example", f"{EXCHANGE}/EWS.AccessAsUser.All")

    # WHEN it is checked for Exchange and, forged, again
    claims = verifier(token, EXCHANGE)

    # THEN the user's claims come back, and the forgery is refused
    assert (
        claims is not None
        and claims["scp"] == "EWS.AccessAsUser.All"
        and claims["upn"] == "alice@contoso.example"
    )
    assert verifier(tampered(token, upn="mallory@contoso.example"), EXCHANGE) is None


def test_a_short_lived_token_stops_verifying_when_it_expires(idp: IdentityEmulator) -> None:
    # GIVEN a 1-second token
    idp.token_lifetime_seconds = 1
    token = idp.app_token(TENANT, APP, EXCHANGE)
    verifier = idp.verifier()
    assert verifier(token, EXCHANGE) is not None

    # WHEN its lifetime has passed
    time.sleep(1.2)

    # THEN it is refused
    assert verifier(token, EXCHANGE) is None
