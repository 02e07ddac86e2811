"""The commsync CLI's contracts (INTERFACES.md): output and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from commsync.cli import main
from tests.support.local import write_config
from tests.support.mail import email_bytes, write_eml

FIXTURES = Path(__file__).parent.parent / "fixtures" / "eml"


def test_parse_prints_the_comment_json_of_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["parse", str(FIXTURES / "html_only_with_attachment.eml")])

    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["id"] == b"<abc.123@example.com>".hex()
    assert doc["messages"][0]["subject"]["text"] == "Übersicht Q3"


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe garbage", b"Subject: only a header"])
def test_parse_exits_zero_for_any_readable_file_and_reports_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes
) -> None:
    path = tmp_path / "odd.eml"
    path.write_bytes(content)

    code = main(["parse", str(path)])

    assert code == 0
    assert json.loads(capsys.readouterr().out)["warnings"]


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_parse_exits_two_with_one_line_for_an_unreadable_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: str
) -> None:
    path = tmp_path / "x.eml"
    if make == "directory":
        path.mkdir()

    code = main(["parse", str(path)])

    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err.count("\n") == 1 and str(path) in captured.err


def test_run_once_syncs_and_status_reports_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, ["ann@northwind.example"])
    for n in range(3):
        write_eml(tmp_path / "mail", "ann@northwind.example", "Inbox", f"{n}.eml", email_bytes(n))

    assert main(["run", "--config", str(config), "--once"]) == 0
    capsys.readouterr()
    assert main(["status", "--config", str(config), "--json"]) == 0

    (integration,) = json.loads(capsys.readouterr().out)
    assert integration["integration"]["project"] == "acme"
    (mailbox,) = integration["mailboxes"]
    assert mailbox["state"]["counts"]["created"] == 3 and mailbox["state"]["last_sync_at"]
    assert len(list((tmp_path / "store" / "comments" / "acme-mail").glob("*.json"))) == 3


def test_run_once_exits_one_and_names_the_failed_mailbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, ["ann@northwind.example", "ghost@northwind.example"])
    write_eml(tmp_path / "mail", "ann@northwind.example", "Inbox", "0.eml", email_bytes(0))

    code = main(["run", "--config", str(config), "--once"])

    out = capsys.readouterr().out
    assert code == 1
    assert "FAILED acme/exports ghost@northwind.example: mailbox:" in out


def test_a_bad_config_exits_two_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, ["not an address"])

    code = main(["run", "--config", str(config), "--once"])

    assert code == 2
    assert "integrations.0.mailboxes.0.address" in capsys.readouterr().err
