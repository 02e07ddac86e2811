"""The work-queue message: one mailbox to poll."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from commsync.models.common import DomainModel, UtcDatetime
from commsync.models.filters import BoundedFilter
from commsync.models.mailbox import MailboxRef


class JobReason(StrEnum):
    SCHEDULE = "schedule"
    CONTINUATION = "continuation"
    MANUAL = "manual"


class PollJob(DomainModel):
    mailbox: MailboxRef
    reason: JobReason = JobReason.SCHEDULE
    enqueued_at: UtcDatetime
    # A continuation starts in the folder where the previous poll's time ran out, so that a mailbox
    # whose folder walk alone outlasts a budget still makes progress with every invocation.
    resume_folder: str | None = Field(default=None, min_length=1, max_length=2048)
    # On-demand sync through the API (reason manual): one folder by name and filters (issue 10).
    # None means the mailbox's own settings. Until the poller evaluates them (issue 10), a manual
    # job syncs the mailbox as a scheduled one would.
    folder: str | None = Field(default=None, min_length=1, max_length=1024)
    filters: BoundedFilter | None = None
    # Resync through the API: the comments whose emails are fetched again and rebuilt (issue 10).
    resync_ids: list[str] = Field(default_factory=list, max_length=100)
