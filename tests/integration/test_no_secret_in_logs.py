"""Secrets never reach a log line, even at DEBUG, from any logger (issue 6): ours, exchangelib's
(which logs whole SOAP requests), requests', urllib3's, requests-oauthlib's and msal's."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from commsync.observability import logger as commsync_logger
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from emulators.identity import IdentityEmulator
from emulators.server import running
from emulators.tls import self_signed
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
TENANT, CLIENT_ID, CLIENT_SECRET = "contoso", "logs-test-app", "Cl1ent-Secret~for.logs"


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        extras = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        self.lines.append(f"{self.format(record)} {extras}")


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


@pytest.fixture
def captured() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    # Powertools' Logger wraps the standard logger of the same name, which does not propagate.
    ours = logging.getLogger(commsync_logger.name)
    old_root, old_ours = root.level, ours.level
    for target in (root, ours):
        target.addHandler(handler)
        target.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for target in (root, ours):
            target.removeHandler(handler)
        root.setLevel(old_root)
        ours.setLevel(old_ours)


def _data(tmp: Path) -> Path:
    data = tmp / "data"
    for n in range(3):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    return data


@pytest.mark.parametrize("auth", ["ntlm", "basic"])
def test_a_password_sync_at_debug_logs_no_password(tmp_path: Path, captured: Everything, auth: str) -> None:
    emulator = EwsEmulator.from_directory(_data(tmp_path), users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN], options={"auth": auth}) as world:
        assert world.sync()[f"{KEY}#{ANN}"].status is PollStatus.DONE
    text = "\n".join(captured.lines)
    assert "exchangelib" in text and "SyncFolderItems" in text  # the libraries' DEBUG lines were captured
    basic = base64.b64encode(f"{SERVICE_USER}:{SERVICE_PASSWORD}".encode()).decode()
    for secret in (SERVICE_PASSWORD, basic):
        assert secret not in text


def test_an_oauth_sync_at_debug_logs_no_secret_and_no_token(tmp_path: Path, captured: Everything) -> None:
    tls = self_signed(tmp_path / "tls")
    idp = IdentityEmulator()
    idp.add_app(
        TENANT,
        CLIENT_ID,
        secret=CLIENT_SECRET,
        roles={"https://outlook.office365.com": ["full_access_as_app"]},
    )
    issued: list[str] = []
    with running(idp.server(port=0, tls=tls)):
        verifier = idp.verifier()

        def remembering(token: str, audience: str) -> dict[str, object] | None:
            issued.append(token)
            return verifier(token, audience)

        emulator = EwsEmulator.from_directory(_data(tmp_path), bearer=remembering)
        options: dict[str, str | int | bool] = {
            "auth": "oauth",
            "exchange_version": "online",
            "tenant": TENANT,
            "client_id": CLIENT_ID,
            "authority": str(idp.url),
            "ca_bundle": str(tls.cert),
        }
        with ews_world(
            tmp_path, emulator, [ANN], tls=tls, secret={"client_secret": CLIENT_SECRET}, options=options
        ) as world:
            assert world.sync()[f"{KEY}#{ANN}"].status is PollStatus.DONE
    text = "\n".join(captured.lines)
    assert issued and "msal" in text
    for secret in (CLIENT_SECRET, *set(issued)):
        assert secret not in text
    assert "Bearer ey" not in text
