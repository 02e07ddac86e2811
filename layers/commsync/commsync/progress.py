"""The CLI's sync progress: one rich bar per mailbox with count, total estimate, rate and ETA.

The total is an estimate: given by the caller when it has one (the demo knows how many emails
it wrote; an EML export is counted on disk), or told by the poller when a source reads a
folder's item count at the start of its backfill (EWS TotalCount, Graph totalItemCount, the
Salesforce COUNT()); without one the bar shows the count and the rate only. On a terminal the
bars redraw in place; into a file or a pipe each mailbox prints a line every few seconds, so
logs stay readable (issue 23).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from commsync.local_config import LocalConfig
from commsync.models import MailboxRef, SourceKind, SyncCounts


def handled(counts: SyncCounts) -> int:
    """Emails looked at so far: every outcome but warnings, which overlap the others."""
    return counts.created + counts.updated + counts.unchanged + counts.filtered


class SyncProgress:
    """A `progress` callback for local_mode.run_once / run_forever; use it as a context manager."""

    def __init__(
        self, out: TextIO, totals: Mapping[str, int] | None = None, every_seconds: float = 2.0
    ) -> None:
        self._console = Console(file=out, stderr=False, highlight=False)
        self._totals = dict(totals or {})
        self._given = frozenset(self._totals)
        self._tasks: dict[str, TaskID] = {}
        self._every, self._last = every_seconds, time.monotonic()
        self._started: dict[str, float] = {}
        self._folders: dict[str, str] = {}
        self._done: dict[str, int] = {}
        self._base: dict[str, int] = {}
        self._previous = time.monotonic()
        self._live = self._console.is_terminal
        self._bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=False,
        )

    def __enter__(self) -> SyncProgress:
        if self._live:
            self._bars.start()
        return self

    def __exit__(
        self, _kind: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        if self._live:
            self._bars.stop()

    def entering(self, ref: MailboxRef, folder: str) -> None:
        """The poller names each folder as it starts reading it (services/poll_outcome.py)."""
        self._folders[ref.address] = folder
        self._base[ref.address] = self._done.get(ref.address, 0)

    def estimated(self, ref: MailboxRef, _folder: str, total: int) -> None:
        """A folder's item count at the start of its backfill: the mailbox's total becomes what
        was handled before this folder plus it, so the ETA is the current folder's. A whole
        mailbox's total given by the caller (the demo's) is the better estimate and stays."""
        if ref.address not in self._given:
            self._totals[ref.address] = self._base.get(ref.address, 0) + total

    def __call__(self, ref: MailboxRef, counts: SyncCounts) -> None:
        done = self._done[ref.address] = handled(counts)
        now = time.monotonic()
        # A mailbox's clock starts when the previous one's last page did (they run one after another).
        started = self._started.setdefault(ref.address, self._previous)
        self._previous = now
        rate = done / (now - started) if now > started else 0.0
        total = self._totals.get(ref.address)
        if total is not None and done > total:
            total = done  # an estimate, not a promise: never show more than 100 %
        folder = self._folders.get(ref.address, "")
        if self._live:
            self._update(ref.address, folder, done, total, rate)
        elif now - self._last >= self._every:
            self._last = now
            self._console.print(_line(ref.address, folder, done, total, rate, counts), soft_wrap=True)

    def _update(self, address: str, folder: str, done: int, total: int | None, rate: float) -> None:
        task = self._tasks.get(address)
        if task is None:
            task = self._tasks[address] = self._bars.add_task(address, total=total, rate="")
        label = f"{address} [dim]{folder}[/dim]" if folder else address
        self._bars.update(task, description=label, completed=done, total=total, rate=f"{rate:.0f}/s")


def _line(address: str, folder: str, done: int, total: int | None, rate: float, counts: SyncCounts) -> str:
    of = f"{done}/~{total}" if total else str(done)
    eta = f", ETA {int((total - done) / rate)}s" if total and rate > 0 else ""
    where = f" in {folder}" if folder else ""
    return (
        f"  {address}: {of} emails{where}, {rate:.0f}/s{eta} ({counts.created} created, "
        f"{counts.updated} updated, {counts.filtered} filtered, {counts.warnings} with warnings)"
    )


def eml_totals(config: LocalConfig) -> dict[str, int]:
    """The emails of each EML-export mailbox, counted on disk (cheap: a directory walk)."""
    totals: dict[str, int] = {}
    for integration in config.integrations:
        if integration.kind is SourceKind.EML:
            for mailbox in integration.mailboxes:
                totals[mailbox.address] = count_emails(Path(integration.endpoint) / mailbox.address)
    return totals


def count_emails(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.eml")) if folder.is_dir() else 0
