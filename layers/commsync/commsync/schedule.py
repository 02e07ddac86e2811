"""When a mailbox falls due: its interval and a stable per-mailbox offset (docs/architecture.md#flow).

No write per mailbox per poll: a mailbox is due at every `k * interval + offset` seconds since
the epoch, the offset derived from its key, so the dispatcher computes what falls due in its run
from a listing alone, and the mailboxes of one interval spread evenly over it instead of all
starting at once. A slot's number names the poll it stands for (the queue's deduplication id).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime


def offset_seconds(key: str, interval_seconds: int) -> int:
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % interval_seconds


def slot_at(key: str, interval_seconds: int, at: datetime) -> int:
    """The number of the latest slot at or before `at`."""
    return (int(at.timestamp()) - offset_seconds(key, interval_seconds)) // interval_seconds


def slot_time(key: str, interval_seconds: int, slot: int) -> datetime:
    return datetime.fromtimestamp(slot * interval_seconds + offset_seconds(key, interval_seconds), UTC)


def due_slot(key: str, interval_seconds: int, after: datetime, until: datetime) -> int | None:
    """The latest slot in (after, until], if one is: a window longer than the interval still
    sends one poll, not one per slot missed."""
    last = slot_at(key, interval_seconds, until)
    return last if last > slot_at(key, interval_seconds, after) else None


def next_due(key: str, interval_seconds: int, now: datetime) -> datetime:
    return slot_time(key, interval_seconds, slot_at(key, interval_seconds, now) + 1)
