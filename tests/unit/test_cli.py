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


LONG = "accounts-receivable.emea@northwind-logistics.example"


def test_status_fits_100_columns_and_last_success_is_never_for_a_mailbox_that_only_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN one mailbox that syncs and one whose folder does not exist (every poll fails)
    config = write_config(tmp_path, [LONG, "ghost@northwind.example"])
    write_eml(tmp_path / "mail", LONG, "Inbox", "0.eml", email_bytes(0))
    main(["run", "--config", str(config), "--once"])
    capsys.readouterr()

    # WHEN status prints its table
    assert main(["status", "--config", str(config)]) == 0
    out = capsys.readouterr().out

    # THEN no line passes 100 columns, the full address is there, and the failed mailbox has an
    # attempt but no success
    assert max(len(line) for line in out.splitlines()) <= 100
    assert LONG in out
    (ghost,) = [line for line in out.splitlines() if line.strip().startswith("ghost@")]
    assert "never" in ghost and "s ago" in ghost
    # AND the failure is explained under the table, wrapped, and on one line with --wide
    assert "problem: acme/exports ghost@northwind.example:" in out
    assert main(["status", "--config", str(config), "--wide"]) == 0
    wide = capsys.readouterr().out
    (problem,) = [line for line in wide.splitlines() if line.startswith("problem:")]
    assert "ghost@northwind.example" in problem and len(problem) > 40


def test_status_json_still_carries_both_times(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, ["ghost@northwind.example"])
    main(["run", "--config", str(config), "--once"])
    capsys.readouterr()

    assert main(["status", "--config", str(config), "--json"]) == 0

    (integration,) = json.loads(capsys.readouterr().out)
    state = integration["mailboxes"][0]["state"]
    assert state["last_sync_at"] and state["last_success_at"] is None


def test_progress_into_a_file_names_the_mailbox_total_and_rate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from commsync.models import MailboxRef, SyncCounts
    from commsync.progress import SyncProgress

    # GIVEN a progress reporter writing to a file (not a terminal), with a total estimate
    out = (tmp_path / "progress.txt").open("w")
    ref = MailboxRef(integration="acme/exports", address="ann@northwind.example")
    with SyncProgress(out, {"ann@northwind.example": 200}, every_seconds=0) as progress:
        # WHEN pages report
        progress.entering(ref, "Inbox/Orders")
        progress(ref, SyncCounts(created=50, updated=10))
        progress(ref, SyncCounts(created=90, updated=10, filtered=5))
    out.close()

    # THEN each line says how far, of about how many, and how fast
    lines = (tmp_path / "progress.txt").read_text().splitlines()
    assert lines and all(line.startswith("  ann@northwind.example: ") for line in lines)
    assert "105/~200 emails in Inbox/Orders" in lines[-1] and "/s" in lines[-1]


def test_token_list_and_revoke_work_on_the_local_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a config with two tokens pasted from `token create`
    config = write_config(tmp_path, ["ann@northwind.example"])
    for name in ("ops-bot", "console"):
        assert main(["token", "create", "--name", name, "--permission", "view"]) == 0
        snippet = capsys.readouterr().out.split("add to the config file of `commsync serve`:\n\n")[1]
        config.write_text(config.read_text() + "\n" + snippet)

    # WHEN one is listed and revoked without --table
    assert main(["token", "list", "--config", str(config)]) == 0
    listed = capsys.readouterr().out
    assert main(["token", "revoke", "--name", "ops-bot", "--config", str(config)]) == 0

    # THEN both were listed, only the other one is left, and the file still loads
    assert [line.split("\t")[0] for line in listed.splitlines()] == ["ops-bot", "console"]
    assert main(["token", "list", "--config", str(config)]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["console"]
    assert main(["token", "revoke", "--name", "ops-bot", "--config", str(config)]) == 1
    assert "no token named 'ops-bot'" in capsys.readouterr().err


def test_a_misspelled_key_gets_a_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, ["ann@northwind.example"])
    config.write_text(config.read_text().replace("poll_interval_seconds", "poll_intervall_seconds"))

    assert main(["status", "--config", str(config)]) == 2

    err = capsys.readouterr().err
    assert "integrations.0.mailboxes.0.poll_intervall_seconds: unknown key" in err
    assert "did you mean 'poll_interval_seconds'?" in err


def test_a_missing_secrets_file_is_named_by_its_path(tmp_path: Path) -> None:
    from commsync.adapters.local.file_secrets import FileSecrets
    from commsync.errors import IntegrationError

    missing = tmp_path / "nowhere" / "secrets.toml"

    with pytest.raises(IntegrationError) as caught:
        FileSecrets(missing, {}).get("exchange")

    assert str(missing) in str(caught.value) and "does not exist" in str(caught.value)
