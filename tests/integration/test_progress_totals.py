"""Issue 23: a first backfill tells the progress hook each folder's item count (EWS TotalCount,
Graph totalItemCount), through the emulators and the real clients; an incremental poll asks
for no count and reports none."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from commsync.local_mode import run_once
from commsync.models import MailboxRef, SyncCounts
from commsync.progress import SyncProgress
from emulators.ews import EwsEmulator
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import graph_world, write_corpus
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"
# Ann's EWS mailbox: emails per folder; the other mail folders of a new mailbox are empty.
EWS_FOLDERS = {"Inbox": 6, "Inbox/Projects/Alpha": 3, "Sent Items": 1}


class Recorder:
    """A FolderProgress that keeps what the poller told it."""

    def __init__(self) -> None:
        self.entered: list[str] = []
        self.totals: dict[str, int] = {}

    def __call__(self, _ref: MailboxRef, _counts: SyncCounts) -> None:
        pass

    def entering(self, _ref: MailboxRef, folder: str) -> None:
        self.entered.append(folder)

    def estimated(self, _ref: MailboxRef, folder: str, total: int) -> None:
        assert folder not in self.totals, "one total per folder backfill"
        self.totals[folder] = total


def _ews_data(root: Path) -> Path:
    n = 0
    for folder, count in EWS_FOLDERS.items():
        for _ in range(count):
            write_eml(root, ANN, folder, f"{n}.eml", email_bytes(n))
            n += 1
    return root


def _ews(data: Path) -> EwsEmulator:
    return EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})


def test_an_ews_backfill_reports_each_folders_total_and_an_incremental_poll_asks_none(
    tmp_path: Path,
) -> None:
    emulator = _ews(_ews_data(tmp_path / "data"))
    with ews_world(tmp_path, emulator, [ANN], page_size=4) as world:
        # WHEN the mailbox is synced the first time
        first = Recorder()
        run_once(world.runtime, first)

        # THEN every mail folder entered got its item count, once, by one GetFolder each
        assert first.entered and set(first.totals) == set(first.entered)
        assert {path: total for path, total in first.totals.items() if total} == EWS_FOLDERS
        assert emulator.stats["op:GetFolder"] >= len(first.entered)

        # WHEN an email arrives and it polls again
        write_eml(tmp_path / "data", ANN, "Inbox", "new.eml", email_bytes(99))
        emulator.stats.reset()
        again = Recorder()
        run_once(world.runtime, again)

        # THEN no folder is counted: the incremental poll costs what it cost before issue 23
        assert again.entered and again.totals == {}
        assert emulator.stats.snapshot().get("op:GetFolder", 0) == 0


def test_the_cli_progress_shows_the_folders_total_on_a_first_ews_backfill(tmp_path: Path) -> None:
    emulator = _ews(_ews_data(tmp_path / "data"))
    # WHEN `commsync run` syncs with its progress reporter writing into a file
    with (
        ews_world(tmp_path, emulator, [ANN]) as world,
        (tmp_path / "progress.txt").open("w") as out,
        SyncProgress(out, every_seconds=0) as progress,
    ):
        run_once(world.runtime, progress)

    # THEN the Inbox line says how far of about how many (the folders before it are empty)
    lines = (tmp_path / "progress.txt").read_text().splitlines()
    assert any(f"{ANN}: 6/~6 emails in Inbox," in line for line in lines), lines


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return self_signed(tmp_path / "tls")


def test_a_graph_backfill_reports_each_folders_total_and_an_incremental_poll_asks_none(
    tmp_path: Path, tls: TlsFiles
) -> None:
    written = write_corpus(tmp_path / "data", count=20)
    expected = Counter(path.rsplit("/", 1)[0] for path in written)
    with graph_world(tmp_path, tmp_path / "data", tls, page_size=3) as world:
        # WHEN the mailbox is synced the first time
        first = Recorder()
        run_once(world.runtime, first)

        # THEN every folder entered got its totalItemCount, once
        assert first.entered and set(first.totals) == set(first.entered)
        assert {path: total for path, total in first.totals.items() if total} == dict(expected)
        assert world.emulator.stats["op:mailFolder"] == len(first.entered)

        # WHEN nothing changed and it polls again
        world.emulator.stats.reset()
        again = Recorder()
        run_once(world.runtime, again)

        # THEN no folder is counted and the idle poll stays two requests
        stats = world.emulator.stats.snapshot()
        assert again.totals == {} and stats.get("op:mailFolder", 0) == 0
        assert stats["http_requests"] == 2, stats
