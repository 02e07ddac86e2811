"""Position of a comment in its bucket's change feed: `<updated_at, microseconds>#<comment id>`.

Microseconds, because the records' own timestamps have whole seconds and a change within the
second of a reader's cursor would otherwise sort before it and never be seen; the id breaks
the remaining ties, so the key is unique and totally ordered, and sorts the same way in
SQLite and in a DynamoDB index.
"""

from __future__ import annotations

from datetime import UTC, datetime


def feed_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def change_key(updated_at: datetime, comment_id: str) -> str:
    return f"{feed_time(updated_at)}#{comment_id}"
