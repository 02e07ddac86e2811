"""Dispatcher: one poll job per due mailbox (docs/architecture.md#flow).

Cost follows the number of due mailboxes: they come from an index query, and each one is
rescheduled as it is sent, so the next run does not see it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from commsync.engine import Engine
from commsync.models import Integration, PollJob
from commsync.models.job import JobReason
from commsync.observability import logger


@dataclass(frozen=True)
class DispatchResult:
    sent: int
    skipped: int


def dispatch(engine: Engine, limit: int = 1000) -> DispatchResult:
    now = engine.clock()
    due = engine.state.due_mailboxes(now, limit)
    integrations: dict[str, Integration | None] = {}
    jobs: list[PollJob] = []
    skipped = 0
    for ref, _interval in due:
        if ref.integration not in integrations:
            integrations[ref.integration] = engine.state.get_integration(ref.integration)
        integration = integrations[ref.integration]
        if integration is None or not integration.enabled:
            skipped += 1
            continue
        jobs.append(PollJob(mailbox=ref, reason=JobReason.SCHEDULE, enqueued_at=now))
    # Send before rescheduling: a crash in between repeats a poll (harmless) rather than skip one.
    engine.queue.send(jobs)
    for ref, interval in due:
        engine.state.schedule_poll(ref, now + timedelta(seconds=interval))
    logger.info("dispatched", extra={"sent": len(jobs), "skipped": skipped})
    return DispatchResult(sent=len(jobs), skipped=skipped)
