"""Exchange Online style access: app-only OAuth from the identity emulator through msal, over TLS
with the integration's own CA bundle and cipher list (issue 4)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from commsync.errors import FailureClass
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from emulators.identity import IdentityEmulator
from emulators.server import running
from emulators.tls import TlsFiles, self_signed
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
TENANT, CLIENT_ID, CLIENT_SECRET = "contoso", "5b1a1f1e-0c39-4a4e-9d3c-ews-sync", "app-secret-Qx7~e2e"


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return self_signed(tmp_path / "tls")


@pytest.fixture
def identity(tls: TlsFiles) -> Iterator[IdentityEmulator]:
    idp = IdentityEmulator()
    idp.add_app(
        TENANT,
        CLIENT_ID,
        secret=CLIENT_SECRET,
        roles={"https://outlook.office365.com": ["full_access_as_app"]},
    )
    with running(idp.server(port=0, tls=tls)):
        yield idp


def _mailbox(root: Path, count: int = 12) -> Path:
    data = root / "data"
    for n in range(count):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    return data


def _oauth_options(idp: IdentityEmulator, tls: TlsFiles) -> dict[str, str | int | bool]:
    return {
        "auth": "oauth",
        "access": "impersonation",
        "exchange_version": "online",
        "tenant": TENANT,
        "client_id": CLIENT_ID,
        "authority": str(idp.url),
        "ca_bundle": str(tls.cert),
    }


def test_app_only_oauth_syncs_over_tls_and_renews_an_expiring_token(
    tmp_path: Path, tls: TlsFiles, identity: IdentityEmulator
) -> None:
    # GIVEN Exchange over HTTPS trusting the identity platform's tokens, and tokens that live 2 seconds
    identity.token_lifetime_seconds = 2
    emulator = EwsEmulator.from_directory(_mailbox(tmp_path), bearer=identity.verifier())
    emulator.faults.set(ANN, delay_seconds=0.4)  # the sync outlives the first token
    with ews_world(
        tmp_path,
        emulator,
        [ANN],
        tls=tls,
        page_size=3,
        secret={"client_secret": CLIENT_SECRET},
        options=_oauth_options(identity, tls),
    ) as world:
        # WHEN it syncs
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN every email arrives, and msal was asked for more than one token along the way
        assert outcome.status is PollStatus.DONE, outcome.error
        assert len(world.comments()) == 12
        assert identity.issued["client_credentials"] >= 2


def test_a_wrong_client_secret_is_an_integration_error_that_names_the_cause_not_the_secret(
    tmp_path: Path, tls: TlsFiles, identity: IdentityEmulator
) -> None:
    emulator = EwsEmulator.from_directory(_mailbox(tmp_path, 1), bearer=identity.verifier())
    with ews_world(
        tmp_path,
        emulator,
        [ANN],
        tls=tls,
        secret={"client_secret": "not-the-app-secret"},
        options=_oauth_options(identity, tls),
    ) as world:
        outcome = world.sync()[f"{KEY}#{ANN}"]
        assert outcome.failure_class is FailureClass.INTEGRATION
        assert "invalid_client" in (outcome.error or "")
        assert "not-the-app-secret" not in (outcome.error or "")


def test_an_expired_client_secret_is_an_integration_error(
    tmp_path: Path, tls: TlsFiles, identity: IdentityEmulator
) -> None:
    identity.expire_secret(TENANT, CLIENT_ID)
    emulator = EwsEmulator.from_directory(_mailbox(tmp_path, 1), bearer=identity.verifier())
    with ews_world(
        tmp_path,
        emulator,
        [ANN],
        tls=tls,
        secret={"client_secret": CLIENT_SECRET},
        options=_oauth_options(identity, tls),
    ) as world:
        outcome = world.sync()[f"{KEY}#{ANN}"]
        assert outcome.failure_class is FailureClass.INTEGRATION
        assert "AADSTS7000222" in (outcome.error or "")


def test_ntlm_over_tls_with_a_cipher_list_and_the_servers_ca(tmp_path: Path, tls: TlsFiles) -> None:
    emulator = EwsEmulator.from_directory(_mailbox(tmp_path, 3), users={SERVICE_USER: SERVICE_PASSWORD})
    options: dict[str, str | int | bool] = {"ca_bundle": str(tls.cert), "ciphers": "ECDHE+AESGCM"}
    with ews_world(tmp_path, emulator, [ANN], tls=tls, options=options) as world:
        assert world.sync()[f"{KEY}#{ANN}"].status is PollStatus.DONE
        assert len(world.comments()) == 3


def test_a_server_certificate_from_an_unknown_ca_is_refused(tmp_path: Path, tls: TlsFiles) -> None:
    # GIVEN an integration that does not name the server's CA: verification stays on
    emulator = EwsEmulator.from_directory(_mailbox(tmp_path, 1), users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN], tls=tls) as world:
        started = time.monotonic()
        outcome = world.sync()[f"{KEY}#{ANN}"]
        assert outcome.failure_class is FailureClass.INTEGRATION
        assert "TLS" in (outcome.error or "")
        assert time.monotonic() - started < 10


def test_a_cipher_list_openssl_cannot_use_is_a_configuration_error(tmp_path: Path, tls: TlsFiles) -> None:
    emulator = EwsEmulator.from_directory(_mailbox(tmp_path, 1), users={SERVICE_USER: SERVICE_PASSWORD})
    options: dict[str, str | int | bool] = {"ca_bundle": str(tls.cert), "ciphers": "NO-SUCH-CIPHER"}
    with ews_world(tmp_path, emulator, [ANN], tls=tls, options=options) as world:
        outcome = world.sync()[f"{KEY}#{ANN}"]
        assert outcome.failure_class is FailureClass.INTEGRATION
