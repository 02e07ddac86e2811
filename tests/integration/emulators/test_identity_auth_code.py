"""The authorization code flow with PKCE: msal starts it, a scripted browser signs in, msal redeems."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import jwt
import msal
import pytest
import requests

from emulators.identity import IdentityEmulator, SignInError, sign_in, trusting_session
from emulators.tls import TlsFiles, self_signed

pytestmark = pytest.mark.integration

TENANT = "contoso"
APP = "0f8fad5b-d9cb-469f-a165-70867728950e"
SECRET = "Zt7~auth-code-client-secret"
REDIRECT = "http://127.0.0.1:8787/external/microsoft/oauth2/callback"
ALICE, ALICE_PASSWORD = "alice@contoso.example", "Correct-Horse-7"
MAIL_READ = "https://graph.microsoft.com/Mail.Read"


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def idp(tls: TlsFiles) -> Iterator[IdentityEmulator]:
    emulator = IdentityEmulator()
    emulator.add_app(TENANT, APP, secret=SECRET, redirect_uris=[REDIRECT], display_name="commsync")
    emulator.add_user(TENANT, ALICE, ALICE_PASSWORD, display_name="Alice Example")
    with emulator.serving(tls=tls):
        yield emulator


def web_app(idp: IdentityEmulator, tls: TlsFiles, tenant: str = TENANT) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        APP,
        client_credential=SECRET,
        authority=idp.authority(tenant),
        instance_discovery=False,
        http_client=trusting_session(tls.cert),
    )


def start(app: msal.ConfidentialClientApplication, **kwargs: Any) -> dict[str, Any]:
    flow: dict[str, Any] = app.initiate_auth_code_flow(
        [MAIL_READ], redirect_uri=REDIRECT, response_mode="form_post", **kwargs
    )
    return flow


def test_signed_in_user_gets_tokens_msal_accepts(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a web app starting a PKCE flow for Mail.Read, and Alice signing in
    app = web_app(idp, tls)
    flow = start(app, login_hint=ALICE)
    response = sign_in(flow["auth_uri"], ALICE, ALICE_PASSWORD, verify=str(tls.cert))

    # WHEN msal redeems the code
    result = app.acquire_token_by_auth_code_flow(flow, response)

    # THEN msal accepted the id_token (its nonce check passed) and holds a refresh token and an account
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"] == ALICE
    assert result["id_token_claims"]["aud"] == APP and result["refresh_token"]
    access = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert access["aud"] == "https://graph.microsoft.com" and access["scp"] == "Mail.Read"
    assert access["upn"] == ALICE and access["name"] == "Alice Example" and "roles" not in access
    [account] = app.get_accounts()
    assert account["username"] == ALICE and account["realm"] == idp.tenant_id(TENANT)
    cached = app.acquire_token_silent([MAIL_READ], account=account)
    assert cached is not None and cached["token_source"] == "cache"
    assert idp.issued["authorization_code"] == 1


def test_a_replayed_code_is_invalid_grant(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a code that was redeemed once
    app = web_app(idp, tls)
    flow = start(app)
    response = sign_in(flow["auth_uri"], ALICE, ALICE_PASSWORD, verify=str(tls.cert))
    assert "access_token" in app.acquire_token_by_auth_code_flow(flow, response)

    # WHEN it is redeemed again
    again = app.acquire_token_by_auth_code_flow(flow, response)

    # THEN invalid_grant: Entra's "already redeemed"
    assert again["error"] == "invalid_grant" and again["error_codes"] == [54005]


def test_a_wrong_pkce_verifier_is_invalid_grant(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN an intercepted code redeemed with another verifier than the flow's
    app = web_app(idp, tls)
    flow = start(app)
    response = sign_in(flow["auth_uri"], ALICE, ALICE_PASSWORD, verify=str(tls.cert))
    flow["code_verifier"] = "A" * 43

    # WHEN msal redeems it
    result = app.acquire_token_by_auth_code_flow(flow, response)

    # THEN the verifier does not match the challenge
    assert result["error"] == "invalid_grant" and result["error_codes"] == [501481]


def test_a_code_older_than_ten_minutes_is_invalid_grant(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a code, and the emulator's clock moved past its 10 minute lifetime
    app = web_app(idp, tls)
    flow = start(app)
    response = sign_in(flow["auth_uri"], ALICE, ALICE_PASSWORD, verify=str(tls.cert))
    idp.clock = lambda: time.time() + 601

    # WHEN msal redeems it
    result = app.acquire_token_by_auth_code_flow(flow, response)

    # THEN it has expired
    assert result["error"] == "invalid_grant" and result["error_codes"] == [70008]


def test_a_wrong_password_shows_the_form_again_and_a_cancel_is_access_denied(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN a flow
    app = web_app(idp, tls)
    flow = start(app)

    # WHEN the user types a wrong password, THEN the form comes back with Entra's error, no redirect
    with pytest.raises(SignInError, match="AADSTS50126"):
        sign_in(flow["auth_uri"], ALICE, "wrong", verify=str(tls.cert))

    # WHEN the user presses cancel, THEN the app gets access_denied through msal
    cancelled = sign_in(flow["auth_uri"], ALICE, "", verify=str(tls.cert), cancel=True)
    result = app.acquire_token_by_auth_code_flow(flow, cancelled)
    assert result["error"] == "access_denied"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"client_id": APP, "redirect_uri": "https://attacker.example/cb"}, "AADSTS50011"),
        ({"client_id": "00000000-0000-0000-0000-000000000000", "redirect_uri": REDIRECT}, "AADSTS700016"),
    ],
    ids=["unregistered redirect_uri", "unknown client"],
)
def test_an_untrusted_redirect_gets_an_error_page_never_a_redirect(
    idp: IdentityEmulator, tls: TlsFiles, params: dict[str, str], code: str
) -> None:
    # GIVEN an authorization request whose redirect target cannot be trusted
    query = urlencode({**params, "response_type": "code", "scope": "openid", "state": "s"})

    # WHEN a browser opens it
    page = requests.get(
        f"{idp.authority(TENANT)}/oauth2/v2.0/authorize?{query}",
        allow_redirects=False,
        verify=str(tls.cert),
        timeout=10,
    )

    # THEN an error page is shown
    assert page.status_code == 400 and "Location" not in page.headers
    assert code in page.text


def test_prompt_none_answers_from_the_sign_in_cookie_or_says_login_required(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN a browser that signed in once
    browser = trusting_session(tls.cert)
    app = web_app(idp, tls)
    first = start(app)
    sign_in(first["auth_uri"], ALICE, ALICE_PASSWORD, verify=str(tls.cert), session=browser)

    # WHEN the app asks silently in that browser, and in a fresh one
    silent = start(app, prompt="none")
    answered = sign_in(silent["auth_uri"], ALICE, "", verify=str(tls.cert), session=browser)
    fresh = start(app, prompt="none")
    refused = sign_in(fresh["auth_uri"], ALICE, "", verify=str(tls.cert))

    # THEN the signed-in browser gets a code msal redeems; the fresh one gets login_required
    assert "access_token" in app.acquire_token_by_auth_code_flow(silent, answered)
    assert refused["error"] == "login_required" and refused["state"] == fresh["state"]


def test_plain_pkce_and_query_response_mode_by_hand(idp: IdentityEmulator, tls: TlsFiles) -> None:
    # GIVEN a client that does PKCE `plain` and takes the code from the query string
    verifier = "plain-verifier-" + "x" * 40
    query = {
        "client_id": APP,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "https://outlook.office365.com/EWS.AccessAsUser.All offline_access",
        "state": "st-1",
        "code_challenge": verifier,
        "code_challenge_method": "plain",
    }
    authorize = f"{idp.authority(TENANT)}/oauth2/v2.0/authorize?{urlencode(query)}"
    response = sign_in(authorize, ALICE, ALICE_PASSWORD, verify=str(tls.cert))

    # WHEN it redeems the code with the verifier
    form = {"grant_type": "authorization_code", "code": response["code"], "redirect_uri": REDIRECT}
    form |= {"code_verifier": verifier, "client_id": APP, "client_secret": SECRET}
    answer = trusting_session(tls.cert).post(
        f"{idp.authority(TENANT)}/oauth2/v2.0/token", data=form, timeout=10
    )

    # THEN an Exchange token with the delegated EWS scope and a refresh token come back, no id_token
    body = answer.json()
    assert answer.status_code == 200 and response["state"] == "st-1"
    assert (
        jwt.decode(body["access_token"], options={"verify_signature": False})["scp"] == "EWS.AccessAsUser.All"
    )
    assert body["refresh_token"] and "id_token" not in body


def test_a_public_client_signs_in_through_the_organizations_authority(
    idp: IdentityEmulator, tls: TlsFiles
) -> None:
    # GIVEN a public client (no secret) and the multi-tenant authority
    idp.add_app(TENANT, "desktop-app", redirect_uris=["http://localhost"])
    app = msal.PublicClientApplication(
        "desktop-app",
        authority=idp.authority("organizations"),
        instance_discovery=False,
        http_client=trusting_session(tls.cert),
    )
    flow = app.initiate_auth_code_flow(
        ["User.Read"], redirect_uri="http://localhost", response_mode="form_post"
    )

    # WHEN the user signs in and msal redeems the code
    response = sign_in(flow["auth_uri"], ALICE, ALICE_PASSWORD, verify=str(tls.cert))
    result = app.acquire_token_by_auth_code_flow(flow, response)

    # THEN the tokens belong to the user's tenant and name a public client
    assert result["id_token_claims"]["tid"] == idp.tenant_id(TENANT)
    assert jwt.decode(result["access_token"], options={"verify_signature": False})["appidacr"] == "0"
