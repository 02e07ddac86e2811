"""The Salesforce emulator's OAuth 2.0 web server flow, through requests as a connected app uses it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from emulators.salesforce import SalesforceEmulator, SignInError, sign_in

pytestmark = pytest.mark.integration

KEY, SECRET = "3MVG9rZ8kQ.consumer", "C0nsumer-Secret-7781"  # test credential
CALLBACK = "https://app.acme.example/external/salesforce/oauth2/callback"
USER, PASSWORD = "ops@acme.example", "Ops-Pa55word"  # test credential


@pytest.fixture
def emu() -> Iterator[SalesforceEmulator]:
    emulator = SalesforceEmulator()
    emulator.add_user(USER, PASSWORD)
    emulator.add_app(KEY, SECRET, [CALLBACK])
    with emulator.serving():
        yield emulator


def _authorize_url(emu: SalesforceEmulator, **overrides: str) -> str:
    params = {
        "response_type": "code",
        "client_id": KEY,
        "redirect_uri": CALLBACK,
        "scope": "api refresh_token offline_access",
        "state": "st-41f",
        **overrides,
    }
    return f"{emu.url}/services/oauth2/authorize?{urlencode(params)}"


def _token(emu: SalesforceEmulator, **form: str) -> requests.Response:
    return requests.post(f"{emu.url}/services/oauth2/token", data=form, timeout=10)


def _redeem(emu: SalesforceEmulator, code: str, secret: str = SECRET) -> requests.Response:
    return _token(
        emu,
        grant_type="authorization_code",
        code=code,
        client_id=KEY,
        client_secret=secret,
        redirect_uri=CALLBACK,
    )


def _data(emu: SalesforceEmulator, access_token: str) -> requests.Response:
    return requests.get(
        f"{emu.url}/services/data/v60.0/limits",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def test_the_web_server_flow_gives_a_session_a_refresh_token_and_the_instance_url(
    emu: SalesforceEmulator,
) -> None:
    # WHEN the user logs in at the authorize page and the app redeems the code
    answer = sign_in(_authorize_url(emu), USER, PASSWORD)
    tokens = _redeem(emu, answer["code"])

    # THEN the callback got the state back, and the token response has what the app needs
    assert answer["state"] == "st-41f" and answer["code"].endswith("==")
    body = tokens.json()
    assert tokens.status_code == 200, body
    assert body["instance_url"] == emu.url and body["token_type"] == "Bearer"
    assert body["refresh_token"].startswith("5Aep861") and "expires_in" not in body
    assert body["id"].startswith(f"{emu.url}/id/00D")
    assert _data(emu, body["access_token"]).status_code == 200
    # AND the code is single-use
    assert _redeem(emu, answer["code"]).json()["error"] == "invalid_grant"


def test_the_consumer_secret_is_checked_and_a_wrong_one_spends_no_code(emu: SalesforceEmulator) -> None:
    answer = sign_in(_authorize_url(emu), USER, PASSWORD)

    wrong = _redeem(emu, answer["code"], secret="guessed")

    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_client")
    assert SECRET not in wrong.text
    assert _redeem(emu, answer["code"]).status_code == 200


def test_unknown_client_and_unregistered_callback_are_pages_never_redirects(emu: SalesforceEmulator) -> None:
    unknown = requests.get(_authorize_url(emu, client_id="3MVG9unknown"), allow_redirects=False, timeout=10)
    elsewhere = requests.get(
        _authorize_url(emu, redirect_uri="https://evil.example/cb"), allow_redirects=False, timeout=10
    )

    assert (unknown.status_code, "invalid_client_id" in unknown.text) == (400, True)
    assert (elsewhere.status_code, "redirect_uri_mismatch" in elsewhere.text) == (400, True)


def test_a_denied_consent_and_an_unknown_scope_go_back_to_the_callback(emu: SalesforceEmulator) -> None:
    denied = sign_in(_authorize_url(emu), USER, PASSWORD, deny=True)
    scoped = requests.get(_authorize_url(emu, scope="api full"), allow_redirects=False, timeout=10)

    assert (denied["error"], denied["state"]) == ("access_denied", "st-41f")
    assert scoped.status_code == 302
    assert parse_qs(urlsplit(scoped.headers["Location"]).query)["error"] == ["invalid_scope"]


def test_a_wrong_password_shows_the_form_again(emu: SalesforceEmulator) -> None:
    with pytest.raises(SignInError, match="check your username and password"):
        sign_in(_authorize_url(emu), USER, "not-it")


def test_refresh_renews_the_session_until_the_refresh_token_is_revoked(emu: SalesforceEmulator) -> None:
    # GIVEN a connected app whose session expired (the org's timeout passed)
    first = _redeem(emu, sign_in(_authorize_url(emu), USER, PASSWORD)["code"]).json()
    emu.advance(timedelta(seconds=emu.session_seconds + 1))
    assert _data(emu, first["access_token"]).json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]

    # WHEN it refreshes THEN it gets a new session, and no new refresh token (rotation is off)
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "client_id": KEY}
    renewed = _token(emu, **refresh, client_secret=SECRET).json()
    assert "refresh_token" not in renewed and _data(emu, renewed["access_token"]).status_code == 200

    # WHEN the refresh token is revoked THEN refreshing is invalid_grant and its sessions die too
    revoked = requests.post(
        f"{emu.url}/services/oauth2/revoke", data={"token": first["refresh_token"]}, timeout=10
    )
    assert revoked.status_code == 200
    again = _token(emu, **refresh, client_secret=SECRET)
    assert (again.status_code, again.json()) == (
        400,
        {"error": "invalid_grant", "error_description": "expired access/refresh token"},
    )
    assert _data(emu, renewed["access_token"]).status_code == 401


def test_rotation_answers_a_new_refresh_token_and_kills_the_old_one(emu: SalesforceEmulator) -> None:
    emu.add_app(KEY, SECRET, [CALLBACK], rotate_refresh_tokens=True)
    old = _redeem(emu, sign_in(_authorize_url(emu), USER, PASSWORD)["code"]).json()["refresh_token"]

    renewed = _token(emu, grant_type="refresh_token", refresh_token=old, client_id=KEY, client_secret=SECRET)
    replay = _token(emu, grant_type="refresh_token", refresh_token=old, client_id=KEY, client_secret=SECRET)

    assert renewed.json()["refresh_token"] not in ("", old)
    assert replay.json()["error"] == "invalid_grant"


def test_a_scope_without_refresh_token_gives_no_refresh_token(emu: SalesforceEmulator) -> None:
    answer = sign_in(_authorize_url(emu, scope="api"), USER, PASSWORD)

    body = _redeem(emu, answer["code"]).json()

    assert "refresh_token" not in body and body["scope"] == "api"


def test_a_code_verifier_is_checked_when_a_challenge_was_sent_and_refused_otherwise(
    emu: SalesforceEmulator,
) -> None:
    # GIVEN one code issued with a PKCE challenge and one without
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    with_pkce = sign_in(_authorize_url(emu, code_challenge=challenge), USER, PASSWORD)["code"]
    plain = sign_in(_authorize_url(emu), USER, PASSWORD)["code"]
    form = {
        "grant_type": "authorization_code",
        "client_id": KEY,
        "client_secret": SECRET,
        "redirect_uri": CALLBACK,
    }

    # WHEN each is redeemed with the wrong kind of verifier, then properly
    wrong = _token(emu, **form, code=with_pkce, code_verifier="x" * 43)
    unexpected = _token(emu, **form, code=plain, code_verifier=verifier)

    # THEN both are refused as invalid_grant
    assert (
        wrong.json()["error_description"] == unexpected.json()["error_description"] == "invalid code verifier"
    )
    again = sign_in(_authorize_url(emu, code_challenge=challenge), USER, PASSWORD)["code"]
    assert _token(emu, **form, code=again, code_verifier=verifier).status_code == 200
