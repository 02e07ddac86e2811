"""What a human is told when something stops syncing."""

from __future__ import annotations

from commsync.errors import DisableReason, FailureClass
from commsync.models.common import DomainModel, UtcDatetime


class Notification(DomainModel):
    subject: str
    message: str
    integration: str
    mailbox: str | None = None
    reason: DisableReason
    failure_class: FailureClass | None = None
    at: UtcDatetime
