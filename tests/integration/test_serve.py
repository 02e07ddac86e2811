"""`commsync serve` over HTTP: the same API as on AWS, plus the sync loop, in local mode (issue 7).

The issue's "done when" for local mode: an EWS integration configured through the API alone
syncs, its disable is visible with the reason, and re-enabling it resumes the sync.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from exchangelib.protocol import CachingProtocol

from commsync.api.local import LocalApi, open_local_api
from commsync.errors import DisableReason, FailureClass
from commsync.local_config import ApiConfig, LocalConfig
from commsync.models.access import Permission
from commsync.models.integration import Disabled
from emulators.ews import EwsEmulator
from emulators.server import running
from tests.support.api import tokens_for
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
SERVICE_USER, SERVICE_PASSWORD = "CORP\\svc-sync", "Winter-2024-sync!"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


class Client:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.session = base, requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=30, allow_redirects=False, **kwargs)


def _until(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError(f"not reached in {seconds} s: {check}")


@dataclass
class Served:
    local: LocalApi
    client: Client
    ews_endpoint: str


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data = tmp_path / "data"
    for n in range(4):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    write_eml(data, ANN, "Inbox", "4.eml", email_bytes(4, attachment=("invoice-1004.pdf", PDF)))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    plain, records = tokens_for({"ops": [Permission.MODIFY]})
    config = LocalConfig(
        store=tmp_path / "store", secrets_file=tmp_path / "secrets.toml", api=ApiConfig(tokens=records)
    )
    with running(emulator.server(port=0)) as ews:
        local = open_local_api(config, port=0)
        local.start(sync=True, tick_seconds=0.2)
        try:
            yield Served(local, Client(local.url, plain["ops"]), ews.url + "/EWS/Exchange.asmx")
        finally:
            local.close()
            CachingProtocol.clear_cache()


def _mailbox_status(client: Client) -> dict[str, Any]:
    status: dict[str, Any] = client("GET", "/integrations/acme/exchange/status").json()
    return status


def test_an_ews_integration_configured_through_the_api_syncs_stops_and_resumes(served: Served) -> None:
    local, client = served.local, served.client
    # GIVEN an EWS integration and a mailbox, configured through the API alone
    integration = {
        "project": "acme",
        "name": "exchange",
        "kind": "ews",
        "endpoint": served.ews_endpoint,
        "bucket": "acme-mail",
        "options": {"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
        "secret_values": {"username": SERVICE_USER, "password": SERVICE_PASSWORD},
    }
    assert client("POST", "/integrations", json=integration).status_code == 201
    assert client("POST", "/integrations/acme/exchange/mailboxes", json={"address": ANN}).status_code == 201

    # WHEN the sync loop runs, THEN the status shows the mailbox synced with its counts
    synced = _until(lambda: (s := _mailbox_status(client)["mailboxes"][0])["last_success_at"] and s)
    assert synced["counts"]["created"] == 5 and synced["lag_seconds"] is not None

    # AND the comments are in the feed, readable one by one, with a working attachment link
    feed = client("GET", "/buckets/acme-mail/comments").json()
    assert len(feed["changes"]) == 5
    comments = [client("GET", f"/buckets/acme-mail/comments/{c['id']}").json() for c in feed["changes"]]
    reference = next(c for c in comments if c["attachments"])["attachments"][0]["attachment_reference"]
    link = client("GET", f"/buckets/acme-mail/attachments/{reference}").json()["url"]
    assert urlsplit(link).netloc == urlsplit(local.url).netloc
    assert requests.get(link, timeout=10).content == PDF
    assert requests.get(link.replace("signature=", "signature=0"), timeout=10).status_code == 403

    # WHEN the integration is disabled by a sync error (as the poller records one)
    error = "401 Unauthorized: the password of CORP\\svc-sync was rejected"
    local.api_state.set_integration_disabled(
        "acme/exchange",
        Disabled(
            reason=DisableReason.SYNC_ERROR,
            at=local.runtime.engine.clock(),
            failure_class=FailureClass.INTEGRATION,
            error=error,
        ),
    )
    # THEN the status says why, and an on-demand sync is refused while it lasts
    status = _mailbox_status(client)
    assert (status["enabled"], status["disabled"]["reason"], status["disabled"]["error"]) == (
        False,
        "sync_error",
        error,
    )
    assert client("POST", f"/integrations/acme/exchange/mailboxes/{ANN}/sync", json={}).status_code == 409

    # WHEN it is re-enabled and synced on demand, THEN the sync runs again, without error
    before = synced["last_sync_at"]
    assert client("POST", "/integrations/acme/exchange/enable").json()["enabled"] is True
    sync = client("POST", f"/integrations/acme/exchange/mailboxes/{ANN}/sync", json={"folder": "Inbox"})
    assert sync.status_code == 202 and sync.json()["reason"] == "manual"
    resumed = _until(lambda: (s := _mailbox_status(client)["mailboxes"][0])["last_sync_at"] > before and s)
    assert resumed["last_error"] is None and resumed["counts"]["created"] == 5


def test_the_console_script_serves_until_sigterm(tmp_path: Path) -> None:
    # GIVEN a config file with a token, as a user writes it
    plain, records = tokens_for({"ops": [Permission.VIEW]})
    config = tmp_path / "commsync.toml"
    config.write_text(
        'store = "store"\n\n[api]\nport = 0\n\n[[api.tokens]]\n'
        f'name = "ops"\nsha256 = "{records[0].sha256}"\npermissions = ["view"]\n'
    )
    command = [str(Path(sys.executable).parent / "commsync"), "serve", "--config", str(config), "--port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        # WHEN it is started, THEN it announces its URL, answers with the token, and refuses without
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("listening on http://127.0.0.1:"), line + (
            process.stderr.read() if process.stderr else ""
        )
        url = line.split()[-1]
        assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"
        headers = {"Authorization": f"Bearer {plain['ops']}"}
        assert requests.get(f"{url}/integrations", headers=headers, timeout=10).json() == []
        assert requests.get(f"{url}/integrations", timeout=10).status_code == 401
        assert requests.post(f"{url}/integrations", headers=headers, json={}, timeout=10).status_code == 403
    finally:
        # AND SIGTERM stops it cleanly
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
