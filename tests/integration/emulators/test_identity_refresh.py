"""Refresh tokens (rotation, revocation, expiry), the password grant, and access token lifetime."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import msal
import pytest

from emulators.identity import IdentityConfig, IdentityEmulator, sign_in, trusting_session
from emulators.tls import TlsFiles, self_signed

pytestmark = pytest.mark.integration

TENANT = "contoso"
APP = "c6d8e6a1-9b2f-4a53-8f0e-2b7d1a4c5e90"
SECRET = "Rf5~refresh-client-secret"
REDIRECT = "http://127.0.0.1:8787/external/microsoft/oauth2/callback"
ALICE, BOB, PASSWORD = "alice@contoso.example", "bob@contoso.example", "Tr0ub4dor&3"
EWS = "https://outlook.office365.com/EWS.AccessAsUser.All"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed(tmp_path_factory.mktemp("tls"))


def _emulator(single_use: bool = False) -> IdentityEmulator:
    emulator = IdentityEmulator(IdentityConfig(single_use_refresh_tokens=single_use))
    emulator.add_app(TENANT, APP, secret=SECRET, redirect_uris=[REDIRECT])
    emulator.add_app(TENANT, "service-user-app")  # public client, as exchangelib's legacy OAuth uses
    emulator.add_user(TENANT, ALICE, PASSWORD)
    emulator.add_user(TENANT, BOB, PASSWORD)
    return emulator


@pytest.fixture
def idp(tls: TlsFiles) -> Iterator[IdentityEmulator]:
    with _emulator().serving(tls=tls) as running:
        yield running


def web_app(idp: IdentityEmulator, tls: TlsFiles) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        APP,
        client_credential=SECRET,
        authority=idp.authority(TENANT),
        instance_discovery=False,
        http_client=trusting_session(tls.cert),
    )


def signed_in(idp: IdentityEmulator, tls: TlsFiles, upn: str = ALICE) -> dict[str, Any]:
    """The token response of a completed sign-in for the EWS delegated scope."""
    app = web_app(idp, tls)
    flow = app.initiate_auth_code_flow([EWS], redirect_uri=REDIRECT, response_mode="form_post")
    result: dict[str, Any] = app.acquire_token_by_auth_code_flow(
        flow, sign_in(flow["auth_uri"], upn, PASSWORD, verify=str(tls.cert))
    )
    return result


def test_each_refresh_returns_a_new_refresh_token(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN the refresh token of a sign-in, kept by the app (as commsync stores it)
    first = signed_in(idp, tls)

    # WHEN it is redeemed, and the rotated one after it
    second = web_app(idp, tls).acquire_token_by_refresh_token(first["refresh_token"], [EWS])
    third = web_app(idp, tls).acquire_token_by_refresh_token(second["refresh_token"], [EWS])

    # THEN every answer carries fresh tokens for the same user and scope
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    access = jwt.decode(third["access_token"], options={"verify_signature": False})
    assert access["aud"] == "https://outlook.office365.com" and access["upn"] == ALICE
    assert idp.issued["refresh_token"] == 2


def test_single_use_mode_refuses_a_refresh_token_redeemed_before(tls: TlsFiles) -> None:
    # GIVEN an emulator that kills a refresh token once redeemed (Entra itself does not)
    with _emulator(single_use=True).serving(tls=tls) as idp:
        first = signed_in(idp, tls)
        assert "access_token" in web_app(idp, tls).acquire_token_by_refresh_token(
            first["refresh_token"], [EWS]
        )

        # WHEN a client sends the old refresh token again instead of the rotated one
        again = web_app(idp, tls).acquire_token_by_refresh_token(first["refresh_token"], [EWS])

    # THEN invalid_grant
    assert again["error"] == "invalid_grant"


def test_revoked_refresh_tokens_are_invalid_grant_for_that_user_only(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN Alice and Bob signed in, then Alice's sessions were revoked (password reset)
    alice, bob = signed_in(idp, tls, ALICE), signed_in(idp, tls, BOB)
    assert idp.revoke_refresh_tokens(TENANT, upn=ALICE) == 1

    # WHEN both refresh
    refused = web_app(idp, tls).acquire_token_by_refresh_token(alice["refresh_token"], [EWS])
    allowed = web_app(idp, tls).acquire_token_by_refresh_token(bob["refresh_token"], [EWS])

    # THEN Alice gets Entra's revoked-grant error, Bob a token
    assert refused["error"] == "invalid_grant" and refused["error_codes"] == [50173]
    assert "access_token" in allowed


def test_msal_silent_refresh_reports_the_revocation(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN an msal app holding Alice's account and refresh token, then a revocation
    app = web_app(idp, tls)
    flow = app.initiate_auth_code_flow([EWS], redirect_uri=REDIRECT, response_mode="form_post")
    app.acquire_token_by_auth_code_flow(
        flow, sign_in(flow["auth_uri"], ALICE, PASSWORD, verify=str(tls.cert))
    )
    [account] = app.get_accounts()
    idp.revoke_refresh_tokens(TENANT)

    # WHEN msal must refresh silently
    result = app.acquire_token_silent_with_error([EWS], account=account, force_refresh=True)

    # THEN it hands back Entra's error (msal keeps the refresh token: it may serve another scope)
    assert result is not None and result["error"] == "invalid_grant" and result["error_codes"] == [50173]


def test_a_refresh_token_past_its_lifetime_is_invalid_grant(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a refresh token, and the emulator's clock 91 days later
    first = signed_in(idp, tls)
    idp.clock = lambda: time.time() + 91 * 24 * 3600

    # WHEN it is redeemed
    result = web_app(idp, tls).acquire_token_by_refresh_token(first["refresh_token"], [EWS])

    # THEN it has expired
    assert result["error"] == "invalid_grant" and result["error_codes"] == [700082]


def test_service_user_password_grant(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a public client posting a service user's password (ROPC). msal itself cannot be used
    # here: before the grant it asks https://<host>/common/userrealm/ without the authority's port.
    token_endpoint = f"{idp.authority(TENANT)}/oauth2/v2.0/token"
    form = {"grant_type": "password", "client_id": "service-user-app", "scope": f"{EWS} offline_access"}
    session = trusting_session(tls.cert)

    # WHEN it signs in with the right and a wrong password
    good = session.post(token_endpoint, data={**form, "username": ALICE, "password": PASSWORD}, timeout=10)
    bad = session.post(token_endpoint, data={**form, "username": BOB, "password": "Wr0ng-Pa55!"}, timeout=10)

    # THEN the first gets Alice's EWS token and a refresh token, the second Entra's bad-credentials error
    assert good.status_code == 200 and good.json()["refresh_token"]
    assert jwt.decode(good.json()["access_token"], options={"verify_signature": False})["upn"] == ALICE
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    assert bad.json()["error_codes"] == [50126] and "Wr0ng-Pa55!" not in bad.text
    assert idp.issued["password"] == 1


def test_a_short_token_lifetime_makes_msal_fetch_again(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN tokens that live 2 seconds (for "token expires mid-sync" tests)
    idp.token_lifetime_seconds = 2
    idp.add_app(
        TENANT, "daemon", secret=SECRET, roles={"https://outlook.office365.com": ["full_access_as_app"]}
    )
    app = msal.ConfidentialClientApplication(
        "daemon",
        client_credential=SECRET,
        authority=idp.authority(TENANT),
        instance_discovery=False,
        http_client=trusting_session(tls.cert),
    )

    # WHEN msal asks twice
    first = app.acquire_token_for_client(["https://outlook.office365.com/.default"])
    second = app.acquire_token_for_client(["https://outlook.office365.com/.default"])

    # THEN each token says 2 seconds, and msal (which refreshes near expiry) did not reuse the first
    claims = jwt.decode(first["access_token"], options={"verify_signature": False})
    assert first["expires_in"] == 2 and claims["exp"] - claims["iat"] == 2
    assert second["token_source"] == "identity_provider" and idp.issued["client_credentials"] == 2
