"""Dispatcher: one poll job per mailbox falling due in this run (docs/architecture.md#flow).

Nothing is written per mailbox per poll: which mailboxes fall due in the run's window comes
from each one's interval and stable offset (commsync.schedule) over a paginated listing of the
enabled ones, and every one of them is sent, 10 to a batch, whatever their number. A one-off
poll asked for (a new mailbox, a shorter interval) is the only thing written back, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from commsync.engine import Engine
from commsync.models import Integration, PollJob
from commsync.models.job import JobReason
from commsync.observability import logger
from commsync.ports import ScheduleEntry
from commsync.schedule import due_slot, slot_time

# Jobs are sent as they are found, so that memory does not grow with the number due.
SEND_CHUNK = 500


@dataclass(frozen=True)
class DispatchResult:
    sent: int
    skipped: int
    mailboxes: int = 0


def dispatch(
    engine: Engine, until: datetime | None = None, window: timedelta | None = None
) -> DispatchResult:
    """Send the mailboxes due in (until - window, until]: `until` the run's scheduled time,
    `window` the time since the previous run (the schedule's rate). A run repeated for the same
    window sends the same jobs again, with the same deduplication ids (queue adapters)."""
    until = until or engine.clock()
    after = until - (window or timedelta(minutes=5))
    # One query for every integration, not a read per integration met (docs/architecture.md#flow: the run's
    # cost is its listing and its sends).
    integrations: dict[str, Integration] = {i.key: i for i in engine.state.list_integrations()}
    jobs: list[PollJob] = []
    asked: list[ScheduleEntry] = []
    sent = skipped = listed = 0
    for entry in engine.state.schedule_listing():
        listed += 1
        job = _job_for(entry, after, until)
        if job is None:
            continue
        integration = integrations.get(entry.ref.integration)
        if integration is None or not integration.enabled:
            skipped += 1
            continue
        jobs.append(job)
        if entry.poll_at is not None and entry.poll_at <= until:
            asked.append(entry)
        if len(jobs) >= SEND_CHUNK:
            sent += _flush(engine, jobs, asked)
    sent += _flush(engine, jobs, asked)
    logger.info("dispatched", extra={"sent": sent, "skipped": skipped, "mailboxes": listed})
    return DispatchResult(sent=sent, skipped=skipped, mailboxes=listed)


def _job_for(entry: ScheduleEntry, after: datetime, until: datetime) -> PollJob | None:
    key, interval = entry.ref.key, entry.interval_seconds
    slot = due_slot(key, interval, after, until)
    if slot is not None:
        # enqueued_at is the slot's own time: the same poll whichever run sends it (dedup).
        return PollJob(
            mailbox=entry.ref, reason=JobReason.SCHEDULE, enqueued_at=slot_time(key, interval, slot)
        )
    if entry.poll_at is not None and entry.poll_at <= until:
        return PollJob(mailbox=entry.ref, reason=JobReason.SCHEDULE, enqueued_at=until)
    return None


def _flush(engine: Engine, jobs: list[PollJob], asked: list[ScheduleEntry]) -> int:
    # Sent before a one-off poll is forgotten: a crash in between repeats it, never skips it.
    count = len(jobs)
    if jobs:
        engine.queue.send(jobs)
    for entry in asked:
        engine.state.clear_poll_at(entry.ref, entry.poll_at)
    jobs.clear()
    asked.clear()
    return count
