"""The end-to-end scenario in local mode, through the installed `commsync` console script."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.local import write_config
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

COMMSYNC = Path(sys.executable).parent / "commsync"
ANN, BOB = "ann.lee@northwind.example", "bob@contoso.example"


def _commsync(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COMMSYNC), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def _comments(tmp_path: Path) -> dict[str, bytes]:
    return {p.stem: p.read_bytes() for p in (tmp_path / "store" / "comments" / "acme-mail").glob("*.json")}


def test_run_once_twice_then_a_move_through_the_console_script(tmp_path: Path) -> None:
    write_config(tmp_path, [ANN, BOB])
    mail = tmp_path / "mail"
    moved = write_eml(mail, ANN, "Inbox", "0.eml", email_bytes(0))
    write_eml(mail, ANN, "Inbox/Projects", "1.eml", email_bytes(1))
    write_eml(mail, ANN, "Sent Items", "42.eml", email_bytes(42))
    write_eml(mail, BOB, "Inbox", "42.eml", email_bytes(42))

    first = _commsync("run", "--config", "commsync.toml", "--once", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert len(_comments(tmp_path)) == 3
    before = _comments(tmp_path)

    again = _commsync("run", "--config", "commsync.toml", "--once", cwd=tmp_path)
    assert again.returncode == 0 and _comments(tmp_path) == before

    (mail / ANN / "Archive").mkdir()
    moved.rename(mail / ANN / "Archive" / "0.eml")
    assert _commsync("run", "--config", "commsync.toml", "--once", cwd=tmp_path).returncode == 0

    after = _comments(tmp_path)
    moved_id = b"<order-0@northwind.example>".hex()
    assert json.loads(after[moved_id])["user_properties"]["string:Folder"] == "Archive"
    assert {k: v for k, v in after.items() if k != moved_id} == {
        k: v for k, v in before.items() if k != moved_id
    }
    status = _commsync("status", "--json", cwd=tmp_path)  # finds ./commsync.toml by itself
    assert status.returncode == 0, status.stderr
    (integration,) = json.loads(status.stdout)
    counts = {m["mailbox"]["address"]: m["state"]["counts"] for m in integration["mailboxes"]}
    assert counts[ANN]["created"] + counts[BOB]["created"] == 3 and counts[ANN]["updated"] == 1


def test_parse_of_an_unreadable_path_exits_two_with_one_line(tmp_path: Path) -> None:
    result = _commsync("parse", str(tmp_path / "missing.eml"), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == "" and len(result.stderr.splitlines()) == 1


def test_run_without_once_keeps_syncing_new_files_until_sigterm(tmp_path: Path) -> None:
    write_config(tmp_path, [ANN], poll_interval_seconds=1)
    write_eml(tmp_path / "mail", ANN, "Inbox", "0.eml", email_bytes(0))
    process = subprocess.Popen(
        [str(COMMSYNC), "run", "--config", "commsync.toml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: len(_comments(tmp_path)) == 1)
        write_eml(tmp_path / "mail", ANN, "Inbox", "1.eml", email_bytes(1))
        _wait_for(lambda: len(_comments(tmp_path)) == 2)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr


def _wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the continuous run did not pick the file up in time"
        time.sleep(0.2)
