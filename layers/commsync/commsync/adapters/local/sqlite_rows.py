"""Opening the SQLite store safely (issue 16); a mailbox row that may not validate is read by
commsync.adapters.stored_mailbox, shared with the DynamoDB adapter."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from commsync.adapters.stored_mailbox import mailbox_row

# How long a first start waits for another first start that holds the new file's write lock.
OPEN_WAIT_SECONDS = 30.0


def connect(path: Path, setup: str) -> sqlite3.Connection:
    """A connection in WAL mode with the schema in place.

    Switching a fresh file to WAL takes an exclusive lock, and SQLite answers `database is
    locked` at once, past the busy timeout, when two processes create the store together:
    retry until the other one is done (issue 16: one in twelve losers died there).
    """
    deadline = time.monotonic() + OPEN_WAIT_SECONDS
    while True:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=OPEN_WAIT_SECONDS)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(setup)
            return db
        except sqlite3.OperationalError as exc:
            db.close()
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


__all__ = ["connect", "mailbox_row"]
