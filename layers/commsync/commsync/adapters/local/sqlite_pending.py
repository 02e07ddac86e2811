"""Counts of a poll still running, so that a killed poll's are not lost (issue 16, local mode).

A poll's counts reach the mailbox's state only with its outcome, and a poll killed mid-way has
none: its comments are stored, but `commsync status` never counted them (the next poll sees
them unchanged). The local runner notes the running counts after every page here; the next
runner adds those of a poll whose outcome was never saved (the mailbox's last sync is older
than the note) and forgets the note.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from commsync.models import MailboxRef, SyncCounts

PENDING_SCHEMA = """
CREATE TABLE IF NOT EXISTS pending_counts (
    integration TEXT NOT NULL, address TEXT NOT NULL, counts TEXT NOT NULL, noted_at TEXT NOT NULL,
    PRIMARY KEY (integration, address));
"""


class SqlitePendingCounts:
    """Mixed into SqliteState, which provides the connection, the lock and the transaction."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _all(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]: ...

    def note_counts(self, ref: MailboxRef, counts: SyncCounts, at: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO pending_counts VALUES (?, ?, ?, ?)",
                (ref.integration, ref.address, counts.model_dump_json(), at.isoformat()),
            )

    def forget_counts(self, ref: MailboxRef) -> None:
        with self._tx() as db:
            db.execute(
                "DELETE FROM pending_counts WHERE integration = ? AND address = ?",
                (ref.integration, ref.address),
            )

    def noted_counts(self) -> list[tuple[MailboxRef, SyncCounts, datetime]]:
        rows = self._all("SELECT integration, address, counts, noted_at FROM pending_counts")
        return [
            (MailboxRef(integration=i, address=a), SyncCounts.model_validate_json(c), at)
            for i, a, c, at in rows
        ]
