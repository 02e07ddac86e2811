"""Issue 16 over HTTP: `commsync serve` refuses bad requests cleanly, serves in parallel without
corrupting the store, and its sync loop survives lock contention, saying so on /health."""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from commsync.api.local import LocalApi, open_local_api
from commsync.api.serve import MAX_BODY
from commsync.local_config import ApiConfig, LocalConfig
from commsync.local_mode import exclusive_runner
from commsync.models.access import Permission
from tests.support.api import tokens_for
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@northwind.example"
BASE = "/integrations/acme/mail/mailboxes"


def _until(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError(f"not reached in {seconds} s")


@dataclass
class Served:
    local: LocalApi
    token: str
    store: Path
    mail: Path

    def call(self, method: str, path: str, token: str | None = "", **kwargs: Any) -> requests.Response:
        headers = (
            {"Authorization": f"Bearer {self.token if token == '' else token}"} if token is not None else {}
        )
        return requests.request(method, self.local.url + path, headers=headers, timeout=30, **kwargs)

    def raw(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, bytes]:
        """A request exactly as given: http.client sends the headers it is told, nothing else."""
        host, port = self.local.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders(body or None)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    plain, records = tokens_for({"ops": [Permission.MODIFY]})
    store = tmp_path / "store"
    config = LocalConfig(store=store, secrets_file=tmp_path / "secrets.toml", api=ApiConfig(tokens=records))
    local = open_local_api(config, port=0)
    local.start(sync=True, tick_seconds=0.05)
    world = Served(local, plain["ops"], store, tmp_path / "mail")
    body = {
        "project": "acme",
        "name": "mail",
        "kind": "eml",
        "endpoint": str(world.mail),
        "bucket": "acme-mail",
        "options": {"settle_seconds": 0},
    }
    assert world.call("POST", "/integrations", json=body).status_code == 201
    try:
        yield world
    finally:
        local.close()


def test_bad_bodies_get_a_4xx_with_the_error_body_and_no_error_log(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    auth = {"Authorization": f"Bearer {served.token}", "Content-Type": "application/json"}
    latin1 = '{"address": "ren\xe9@northwind.example"}'.encode("latin-1")
    # WHEN bodies and headers an attacker or a clumsy client sends arrive
    with caplog.at_level(logging.ERROR):
        answers = {
            "not utf-8, no token": served.raw(
                "POST", BASE, {"Content-Type": "application/json", "Content-Length": str(len(latin1))}, latin1
            ),
            "not utf-8": served.raw("POST", BASE, {**auth, "Content-Length": str(len(latin1))}, latin1),
            "multipart, no boundary": served.raw(
                "POST", BASE, {**auth, "Content-Type": "multipart/form-data", "Content-Length": "2"}, b"{}"
            ),
            "deep": served.raw(
                "POST",
                BASE,
                {**auth, "Content-Length": str(4 + 20_000)},
                b'{"a":' + b"[" * 10_000 + b"]" * 9_999 + b"}",
            ),
            "length abc": served.raw("POST", BASE, {**auth, "Content-Length": "abc"}),
            "length -1": served.raw("POST", BASE, {**auth, "Content-Length": "-1"}),
            "chunked": served.raw("POST", BASE, {**auth, "Transfer-Encoding": "chunked"}),
            "too large": served.raw("POST", BASE, {**auth, "Content-Length": str(MAX_BODY + 1)}),
        }
    # THEN each gets its status and our error body, promptly, and nothing is logged as an ERROR
    statuses = {name: status for name, (status, _) in answers.items()}
    assert statuses == {
        "not utf-8, no token": 401,
        "not utf-8": 400,
        "multipart, no boundary": 415,
        "deep": 422,
        "length abc": 400,
        "length -1": 400,
        "chunked": 400,
        "too large": 413,
    }
    for _, body in answers.values():
        assert b'"error"' in body and b'"message"' in body
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert served.call("GET", BASE).json() == []


def test_a_normalised_dot_segment_never_deletes_the_integration(served: Served) -> None:
    # requests, like a browser, turns .../mailboxes/.. into .../mail/ before sending it
    answer = served.call("DELETE", f"{BASE}/{quote('..', safe='')}")
    assert answer.status_code == 404
    assert served.call("GET", "/integrations/acme/mail").status_code == 200


@pytest.mark.parametrize("address", ["a%b@northwind.example", "what?@northwind.example"])
def test_an_address_is_decoded_once_and_stays_addressable(served: Served, address: str) -> None:
    assert served.call("POST", BASE, json={"address": address, "enabled": False}).status_code == 201
    path = f"{BASE}/{quote(address, safe='@')}"
    assert served.call("GET", path).json()["address"] == address
    assert served.call("DELETE", path).status_code == 204


def test_parallel_requests_are_all_answered_and_the_store_stays_whole(served: Served) -> None:
    addresses = [f"user{n:02}@northwind.example" for n in range(24)]

    def create_then_read(address: str) -> tuple[int, int]:
        created = served.call("POST", BASE, json={"address": address, "enabled": False})
        return created.status_code, served.call("GET", f"{BASE}/{address}").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(create_then_read, addresses))
    assert results == [(201, 200)] * len(addresses)
    assert sorted(m["address"] for m in served.call("GET", BASE).json()) == addresses


def test_the_sync_loop_survives_another_process_holding_the_store(served: Served) -> None:
    write_eml(served.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    # GIVEN another runner holding the store's lock (a `run --once` overlapping the loop)
    with exclusive_runner(served.store):
        assert served.call("POST", BASE, json={"address": ANN}).status_code == 201
        # THEN /health says degraded, and why, while the lock is held
        health = _until(
            lambda: (h := served.call("GET", "/health", token=None).json())["status"] == "degraded" and h
        )
        assert "another commsync process" in health["reason"]
    # WHEN it lets go, the same loop syncs the mailbox and /health is ok again
    created = _until(lambda: served.call("GET", f"{BASE}/{ANN}").json()["status"]["counts"]["created"])
    assert created == 1
    assert _until(lambda: served.call("GET", "/health", token=None).json()["status"] == "ok")


def test_health_says_degraded_when_the_sync_loop_is_gone(served: Served) -> None:
    assert served.call("GET", "/health", token=None).json()["status"] == "ok"
    # WHEN the loop thread ends while the API goes on answering
    served.local.stop.set()
    for thread in served.local.threads:
        if thread.name == "commsync-sync-loop":
            thread.join(timeout=30)
    # THEN /health says so, and why
    health = served.call("GET", "/health", token=None).json()
    assert health["status"] == "degraded" and "not running" in health["reason"]
