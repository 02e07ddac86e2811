"""`commsync-emulator ews --latency-ms N` (issue 20): the benchmark's model of a real server's network."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from emulators.cli import parser
from emulators.server import running

MAILBOX = "ann.lee@contoso.example"


def test_the_ews_emulator_waits_its_latency_before_each_answer(tmp_path: Path) -> None:
    # GIVEN the EWS emulator started as `commsync-emulator ews --latency-ms 150` would start it
    (tmp_path / MAILBOX / "Inbox").mkdir(parents=True)
    args = parser().parse_args(["ews", "--data", str(tmp_path), "--latency-ms", "150"])
    with running(args.build(args)) as server, requests.Session() as session:
        # WHEN two requests are sent on one connection (unauthenticated: answered 401, still waited)
        started = time.monotonic()
        answers = [session.post(server.url + "/EWS/Exchange.asmx", data=b"<x/>") for _ in range(2)]
        elapsed = time.monotonic() - started

    # THEN each one waited the latency: the benchmark's model of a network round trip
    assert [a.status_code for a in answers] == [401, 401]
    assert elapsed >= 0.3
