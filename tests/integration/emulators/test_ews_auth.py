"""Who may call the EWS emulator: NTLM verified for real, Basic, bearer tokens; 401 otherwise."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msal
import pytest
import requests
from exchangelib import BASIC, IMPERSONATION, OAUTH2, Credentials, Identity
from exchangelib.credentials import OAuth2AuthorizationCodeCredentials
from exchangelib.errors import ErrorInvalidExchangeImpersonationHeaderData, UnauthorizedError
from exchangelib.protocol import CachingProtocol

from emulators.cli import parser
from emulators.identity import IdentityEmulator, trusting_session
from emulators.server import running
from emulators.tls import TlsFiles, self_signed
from tests.integration.emulators.test_ews_support import (
    ANN,
    BOB,
    PASSWORD,
    SERVICE,
    account,
    serve,
    write_mailboxes,
)

pytestmark = pytest.mark.integration

EXCHANGE = "https://outlook.office365.com"
TOKENS: dict[str, dict[str, Any]] = {
    "app-token": {"aud": EXCHANGE, "roles": ["full_access_as_app"], "appid": "daemon-1"},
    "bob-token": {"aud": EXCHANGE, "scp": "EWS.AccessAsUser.All", "upn": BOB},
    "graph-only": {"aud": EXCHANGE, "scp": "Mail.Read", "upn": BOB},
}


def verify(token: str, audience: str) -> dict[str, Any] | None:
    """Stands in for the identity emulator's BearerVerifier: claims of known tokens for Exchange."""
    claims = TOKENS.get(token)
    return claims if claims is not None and claims["aud"] == audience else None


def bearer(token: str) -> OAuth2AuthorizationCodeCredentials:
    return OAuth2AuthorizationCodeCredentials(access_token={"access_token": token, "token_type": "Bearer"})


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TlsFiles:
    """OAuth needs HTTPS (requests-oauthlib refuses plain HTTP); requests trusts the emulator's CA."""
    files = self_signed(tmp_path / "tls")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(files.cert))
    return files


def test_ntlm_with_the_right_password_reads_the_inbox(tmp_path: Path) -> None:
    # GIVEN a service account known to the emulator
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        # WHEN exchangelib authenticates with NTLM and reads Ann's inbox
        inbox = served.account().inbox

        # THEN the handshake succeeded (two 401 legs on one connection) and the inbox is there
        assert inbox.total_count == 3
        assert served.emulator.stats["auth_challenges"] == 2


def test_ntlm_with_a_wrong_password_fails_fast_with_unauthorized(tmp_path: Path) -> None:
    # GIVEN the right account name with a wrong password
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account = served.account(credentials=Credentials(SERVICE, "not-" + PASSWORD))

        # WHEN exchangelib (FailFast) calls the server
        started = time.monotonic()
        with pytest.raises(UnauthorizedError) as raised:
            _ = account.root

        # THEN it is refused at once, and the password appears in no message
        assert time.monotonic() - started < 5
        assert PASSWORD not in str(raised.value)


def test_basic_is_accepted_pre_emptively_and_refused_with_a_wrong_password(tmp_path: Path) -> None:
    # GIVEN Basic auth, which requests sends before any challenge
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        # WHEN the right and then a wrong password are used
        good = served.account(auth_type=BASIC).inbox
        bad = served.account(auth_type=BASIC, credentials=Credentials(SERVICE, "nope"))

        # THEN the first reads without any 401 round trip; the second is unauthorized
        assert good.total_count == 3 and served.emulator.stats["auth_challenges"] == 0
        with pytest.raises(UnauthorizedError):
            _ = bad.root


def test_an_unauthenticated_post_gets_401_with_every_offered_scheme(tmp_path: Path) -> None:
    # GIVEN an emulator that accepts bearer tokens too
    write_mailboxes(tmp_path)
    with serve(tmp_path, bearer=verify) as served:
        # WHEN a client posts without credentials (exchangelib's auth-type probe does this)
        answer = requests.post(served.endpoint, data=b"<x/>", timeout=5)

        # THEN 401 names NTLM, Basic and Bearer, and the connection is kept alive for the handshake
        offered = answer.headers["WWW-Authenticate"]
        assert answer.status_code == 401
        assert "NTLM" in offered and "Basic" in offered and "Bearer" in offered
        assert answer.headers.get("Connection", "").lower() != "close"


def test_a_delegated_token_reads_its_own_mailbox(tmp_path: Path, tls: TlsFiles) -> None:
    # GIVEN Bob's delegated token with the EWS scope
    write_mailboxes(tmp_path)
    with serve(tmp_path, tls, bearer=verify) as served:
        # WHEN exchangelib uses it (OAuth 2.0, no impersonation)
        account = served.account(BOB, credentials=bearer("bob-token"), auth_type=OAUTH2)

        # THEN Bob's inbox is read
        assert account.inbox.total_count == 1


def test_an_app_token_needs_the_impersonation_header_as_on_exchange_online(
    tmp_path: Path, tls: TlsFiles
) -> None:
    # GIVEN an application token (full_access_as_app)
    write_mailboxes(tmp_path)
    with serve(tmp_path, tls, bearer=verify) as served:
        # WHEN it is used without ExchangeImpersonation, then with it
        plain = served.account(ANN, credentials=bearer("app-token"), auth_type=OAUTH2)
        with pytest.raises(ErrorInvalidExchangeImpersonationHeaderData):
            _ = plain.root
        credentials = bearer("app-token")
        credentials.identity = Identity(primary_smtp_address=ANN)
        impersonating = served.account(ANN, IMPERSONATION, credentials=credentials, auth_type=OAUTH2)

        # THEN the first is refused as Exchange Online refuses it, the second reads Ann's inbox
        assert impersonating.inbox.total_count == 3


@pytest.mark.parametrize("token", ["graph-only", "forged"])
def test_tokens_without_the_ews_grant_are_unauthorized(tmp_path: Path, tls: TlsFiles, token: str) -> None:
    # GIVEN a token for the wrong scope, or one the verifier rejects
    write_mailboxes(tmp_path)
    with serve(tmp_path, tls, bearer=verify) as served:
        account = served.account(BOB, credentials=bearer(token), auth_type=OAUTH2)

        # WHEN / THEN exchangelib is refused with 401
        with pytest.raises(UnauthorizedError):
            _ = account.root


def test_a_token_from_the_identity_emulator_is_accepted_through_the_command_line_wiring(
    tmp_path: Path, tls: TlsFiles
) -> None:
    # GIVEN the identity emulator with a daemon app granted full_access_as_app, and msal's token for it
    idp = IdentityEmulator()
    idp.add_app("contoso", "daemon-app", secret="daemon-secret-1", roles={EXCHANGE: ["full_access_as_app"]})
    write_mailboxes(tmp_path / "mail")
    with idp.serving(tls=tls):
        app = msal.ConfidentialClientApplication(
            "daemon-app",
            client_credential="daemon-secret-1",
            authority=idp.authority("contoso"),
            instance_discovery=False,
            http_client=trusting_session(tls.cert),
        )
        token = app.acquire_token_for_client([f"{EXCHANGE}/.default"])["access_token"]
        # WHEN the EWS emulator is built from `ews --identity URL --identity-ca FILE` (the console script)
        identity = ["--identity", idp.url or "", "--identity-ca", str(tls.cert)]
        args = parser().parse_args(
            ["ews", "--data", str(tmp_path / "mail"), "--tls", str(tmp_path / "tls"), *identity]
        )
        credentials = bearer(token)
        credentials.identity = Identity(primary_smtp_address=ANN)
        try:
            with running(args.build(args)) as server:
                endpoint = server.url + "/EWS/Exchange.asmx"
                count = account(
                    endpoint, ANN, IMPERSONATION, credentials=credentials, auth_type=OAUTH2
                ).inbox.total_count
        finally:
            CachingProtocol.clear_cache()

    # THEN exchangelib read Ann's inbox with the identity emulator's token
    assert count == 3
