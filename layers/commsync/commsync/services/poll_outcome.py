"""How a poll ended: what the poller reports and what the mailbox's state records of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from commsync.errors import FailureClass
from commsync.models import MailboxRef, SyncCounts


@runtime_checkable
class FolderProgress(Protocol):
    """A progress callback that also wants to know which folder a poll is reading and, when the
    source knows it, how many items that folder holds (issue 23: the CLI's progress names the
    folder and shows a total and an ETA). Plain `(ref, counts)` callables keep working without it."""

    def entering(self, ref: MailboxRef, folder: str) -> None: ...

    # The folder's item count, when its source gave one (ports.ChangePage.total): before the
    # first page's counts, once per folder backfill.
    def estimated(self, ref: MailboxRef, folder: str, total: int) -> None: ...


class PollStatus(StrEnum):
    DONE = "done"
    CONTINUED = "continued"
    SKIPPED = "skipped"
    FAILED = "failed"
    # Another poller of the same mailbox moved a checkpoint first (its compare-and-set won):
    # it goes on, this one stops without another write.
    SUPERSEDED = "superseded"


@dataclass
class PollOutcome:
    status: PollStatus
    counts: SyncCounts = field(default_factory=SyncCounts)
    error: str | None = None
    failure_class: FailureClass | None = None
    # Set when the time ran out: the folder the continuation starts in.
    resume_folder: str | None = None
    # A poll that worked but could not do all it was asked (an on-demand folder that is not there).
    notice: str | None = None
