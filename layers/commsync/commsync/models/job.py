"""The work-queue message: one mailbox to poll."""

from __future__ import annotations

from enum import StrEnum

from commsync.models.common import DomainModel, UtcDatetime
from commsync.models.mailbox import MailboxRef


class JobReason(StrEnum):
    SCHEDULE = "schedule"
    CONTINUATION = "continuation"
    MANUAL = "manual"


class PollJob(DomainModel):
    mailbox: MailboxRef
    reason: JobReason = JobReason.SCHEDULE
    enqueued_at: UtcDatetime
