"""Issue 23: the CLI's progress turns folder totals (ports.ChangePage.total) into the mailbox's
total and ETA, folder after folder; a whole mailbox's total given by the caller stays."""

from __future__ import annotations

from pathlib import Path

from commsync.models import MailboxRef, SyncCounts
from commsync.progress import SyncProgress

REF = MailboxRef(integration="acme/exchange", address="ann@contoso.example")


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def test_each_folders_total_adds_to_what_was_handled_before_it(tmp_path: Path) -> None:
    out_path = tmp_path / "progress.txt"
    with out_path.open("w") as out, SyncProgress(out, every_seconds=0) as progress:
        # GIVEN a backfill of Inbox (10 emails), then Archive (5)
        progress.entering(REF, "Inbox")
        progress.estimated(REF, "Inbox", 10)
        progress(REF, SyncCounts(created=4))
        progress(REF, SyncCounts(created=10))
        progress.entering(REF, "Archive")
        progress.estimated(REF, "Archive", 5)
        progress(REF, SyncCounts(created=12, filtered=1))

    # THEN the line shows the count of about how many, the folder, and an ETA once there is a rate
    lines = _lines(out_path)
    assert "4/~10 emails in Inbox" in lines[0] and ", ETA " in lines[0]
    assert "10/~10 emails in Inbox" in lines[1]
    assert "13/~15 emails in Archive" in lines[2]


def test_a_total_given_for_the_whole_mailbox_is_kept(tmp_path: Path) -> None:
    out_path = tmp_path / "progress.txt"
    with out_path.open("w") as out, SyncProgress(out, {REF.address: 200}, every_seconds=0) as progress:
        progress.entering(REF, "Inbox")
        progress.estimated(REF, "Inbox", 10)
        progress(REF, SyncCounts(created=4))

    assert "4/~200 emails in Inbox" in _lines(out_path)[0]


def test_a_folder_without_a_total_shows_the_count_only(tmp_path: Path) -> None:
    out_path = tmp_path / "progress.txt"
    with out_path.open("w") as out, SyncProgress(out, every_seconds=0) as progress:
        progress.entering(REF, "Inbox")
        progress(REF, SyncCounts(created=4))

    (line,) = _lines(out_path)
    assert "4 emails in Inbox" in line and "~" not in line and "ETA" not in line
