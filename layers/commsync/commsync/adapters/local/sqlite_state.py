"""StateStore on SQLite: one file, WAL journal, every write its own transaction."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from commsync.adapters.local.sqlite_api_state import API_SCHEMA, SqliteApiState, add_change_keys
from commsync.adapters.local.sqlite_pending import PENDING_SCHEMA, SqlitePendingCounts
from commsync.adapters.local.sqlite_rows import connect, mailbox_row
from commsync.models import Checkpoint, Integration, Mailbox, MailboxRef, MailboxState, Usage
from commsync.models.comment_feed import change_key
from commsync.models.common import iso_z
from commsync.models.integration import Disabled
from commsync.ports import CommentEntry

_SCHEMA = """
CREATE TABLE IF NOT EXISTS integrations (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mailboxes (
    integration TEXT NOT NULL, address TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL,
    due INTEGER NOT NULL, next_poll_at TEXT NOT NULL, PRIMARY KEY (integration, address));
CREATE INDEX IF NOT EXISTS mailboxes_due ON mailboxes (due, next_poll_at);
CREATE TABLE IF NOT EXISTS checkpoints (
    mailbox_key TEXT NOT NULL, folder_id TEXT NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (mailbox_key, folder_id));
CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS comment_index (
    bucket TEXT NOT NULL, comment_id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (bucket, comment_id));
CREATE TABLE IF NOT EXISTS usage (
    project TEXT NOT NULL, period TEXT NOT NULL, ai_units INTEGER NOT NULL, PRIMARY KEY (project, period));
"""

# Mailboxes never polled sort first in the due index.
_NEVER = ""


class SqliteState(SqliteApiState, SqlitePendingCounts):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect(path, _SCHEMA + API_SCHEMA + PENDING_SCHEMA)
        add_change_keys(self._db)
        # Reads take it too: `commsync serve` answers requests on many threads over this one
        # connection, and a read must never run inside another thread's open transaction.
        self._lock = threading.RLock()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # integrations
    def put_integration(self, integration: Integration) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO integrations VALUES (?, ?)",
                (integration.key, integration.model_dump_json()),
            )

    def get_integration(self, key: str) -> Integration | None:
        row = self._one("SELECT doc FROM integrations WHERE key = ?", (key,))
        return Integration.model_validate_json(row[0]) if row else None

    def list_integrations(self) -> list[Integration]:
        rows = self._all("SELECT doc FROM integrations ORDER BY key")
        return [Integration.model_validate_json(r[0]) for r in rows]

    def set_integration_disabled(self, key: str, disabled: Disabled | None) -> None:
        with self._tx() as db:
            row = db.execute("SELECT doc FROM integrations WHERE key = ?", (key,)).fetchone()
            if row:
                updated = Integration.model_validate_json(row[0]).model_copy(update={"disabled": disabled})
                db.execute("UPDATE integrations SET doc = ? WHERE key = ?", (updated.model_dump_json(), key))

    # mailboxes
    def put_mailbox(self, mailbox: Mailbox) -> None:
        with self._tx() as db:
            updated = db.execute(
                "UPDATE mailboxes SET config = ? WHERE integration = ? AND address = ?",
                (mailbox.model_dump_json(), mailbox.integration, mailbox.address),
            ).rowcount
            if not updated:
                db.execute(
                    "INSERT INTO mailboxes VALUES (?, ?, ?, ?, 1, ?)",
                    (
                        mailbox.integration,
                        mailbox.address,
                        mailbox.model_dump_json(),
                        MailboxState().model_dump_json(),
                        _NEVER,
                    ),
                )

    def get_mailbox(self, ref: MailboxRef) -> tuple[Mailbox, MailboxState] | None:
        row = self._one(
            "SELECT config, state FROM mailboxes WHERE integration = ? AND address = ?",
            (ref.integration, ref.address),
        )
        return mailbox_row(ref.integration, ref.address, *row) if row else None

    def list_mailboxes(self, integration: str) -> list[tuple[Mailbox, MailboxState]]:
        rows = self._all(
            "SELECT address, config, state FROM mailboxes WHERE integration = ? ORDER BY address",
            (integration,),
        )
        return [mailbox_row(integration, *row) for row in rows]

    def due_mailboxes(self, now: datetime, limit: int) -> list[tuple[MailboxRef, int]]:
        rows = self._all(
            "SELECT integration, address, json_extract(config, '$.poll_interval_seconds') FROM mailboxes "
            "WHERE due = 1 AND next_poll_at <= ? ORDER BY next_poll_at LIMIT ?",
            (iso_z(now), limit),
        )
        return [(MailboxRef(integration=i, address=a), int(n)) for i, a, n in rows]

    def schedule_poll(self, ref: MailboxRef, at: datetime) -> None:
        with self._tx() as db:
            row = db.execute(
                "SELECT state FROM mailboxes WHERE integration = ? AND address = ?",
                (ref.integration, ref.address),
            ).fetchone()
            if row:
                state = MailboxState.model_validate_json(row[0]).model_copy(update={"next_poll_at": at})
                self._write_state(db, ref, state)

    def save_mailbox_state(
        self, ref: MailboxRef, state: MailboxState, expected_revision: int | None = None
    ) -> bool:
        with self._tx() as db:
            row = db.execute(
                "SELECT state FROM mailboxes WHERE integration = ? AND address = ?",
                (ref.integration, ref.address),
            ).fetchone()
            if row is None:
                return False
            stored = MailboxState.model_validate_json(row[0]).revision
            if expected_revision is not None and stored != expected_revision:
                return False
            base = stored if expected_revision is None else expected_revision
            self._write_state(db, ref, state.model_copy(update={"revision": base + 1}))
            return True

    def _write_state(self, db: sqlite3.Connection, ref: MailboxRef, state: MailboxState) -> None:
        next_at = iso_z(state.next_poll_at) if state.next_poll_at else _NEVER
        db.execute(
            "UPDATE mailboxes SET state = ?, due = ?, next_poll_at = ? WHERE integration = ? AND address = ?",
            (state.model_dump_json(), int(state.enabled), next_at, ref.integration, ref.address),
        )

    # checkpoints
    def get_checkpoint(self, ref: MailboxRef, folder_id: str) -> Checkpoint | None:
        row = self._one(
            "SELECT doc FROM checkpoints WHERE mailbox_key = ? AND folder_id = ?", (ref.key, folder_id)
        )
        return Checkpoint.model_validate_json(row[0]) if row else None

    def put_checkpoint_leased(self, checkpoint: Checkpoint, owner: str, now: datetime, seconds: int) -> bool:
        ref = MailboxRef(integration=checkpoint.integration, address=checkpoint.mailbox)
        expires = iso_z(datetime.fromtimestamp(now.timestamp() + seconds, now.tzinfo))
        with self._tx() as db:
            renewed = db.execute(
                "UPDATE leases SET expires_at = ? WHERE key = ? AND owner = ?", (expires, ref.key, owner)
            )
            if renewed.rowcount != 1:
                return False
            db.execute(
                "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?)",
                (ref.key, checkpoint.folder_id, checkpoint.model_dump_json()),
            )
            return True

    # leases
    def acquire_lease(self, ref: MailboxRef, owner: str, now: datetime, seconds: int) -> bool:
        expires = iso_z(datetime.fromtimestamp(now.timestamp() + seconds, now.tzinfo))
        with self._tx() as db:
            row = db.execute("SELECT owner, expires_at FROM leases WHERE key = ?", (ref.key,)).fetchone()
            if row and row[0] != owner and row[1] > iso_z(now):
                return False
            db.execute("INSERT OR REPLACE INTO leases VALUES (?, ?, ?)", (ref.key, owner, expires))
            return True

    def release_lease(self, ref: MailboxRef, owner: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM leases WHERE key = ? AND owner = ?", (ref.key, owner))

    # comment index and usage
    def get_comment_entry(self, bucket: str, comment_id: str) -> CommentEntry | None:
        row = self._one(
            "SELECT doc FROM comment_index WHERE bucket = ? AND comment_id = ?", (bucket, comment_id)
        )
        return _entry_from(row[0]) if row else None

    def create_comment_entry(self, entry: CommentEntry, project: str, period: str) -> bool:
        with self._tx() as db:
            inserted = db.execute(
                "INSERT OR IGNORE INTO comment_index (bucket, comment_id, doc, change_key) "
                "VALUES (?, ?, ?, ?)",
                (
                    entry.bucket,
                    entry.comment_id,
                    _entry_doc(entry),
                    change_key(entry.updated_at, entry.comment_id),
                ),
            ).rowcount
            if inserted:
                _charge(db, project, period)
            return bool(inserted)

    def update_comment_entry(self, entry: CommentEntry, charge: tuple[str, str] | None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE comment_index SET doc = ?, change_key = ? WHERE bucket = ? AND comment_id = ?",
                (
                    _entry_doc(entry),
                    change_key(entry.updated_at, entry.comment_id),
                    entry.bucket,
                    entry.comment_id,
                ),
            )
            if charge:
                _charge(db, *charge)

    def delete_comment_entry(self, bucket: str, comment_id: str) -> bool:
        with self._tx() as db:
            return bool(
                db.execute(
                    "DELETE FROM comment_index WHERE bucket = ? AND comment_id = ?", (bucket, comment_id)
                ).rowcount
            )

    def comment_changes(self, bucket: str, after: str, limit: int) -> list[tuple[str, CommentEntry]]:
        rows = self._all(
            "SELECT change_key, doc FROM comment_index WHERE bucket = ? AND change_key > ? "
            "ORDER BY change_key LIMIT ?",
            (bucket, after, limit),
        )
        return [(key, _entry_from(doc)) for key, doc in rows]

    def get_usage(self, project: str, period: str) -> Usage:
        row = self._one("SELECT ai_units FROM usage WHERE project = ? AND period = ?", (project, period))
        return Usage(project=project, period=period, ai_units=row[0] if row else 0)


def _charge(db: sqlite3.Connection, project: str, period: str) -> None:
    db.execute(
        "INSERT INTO usage VALUES (?, ?, 1) "
        "ON CONFLICT (project, period) DO UPDATE SET ai_units = ai_units + 1",
        (project, period),
    )


def _entry_doc(entry: CommentEntry) -> str:
    doc = {**entry.__dict__, "created_at": iso_z(entry.created_at), "updated_at": iso_z(entry.updated_at)}
    return json.dumps(doc)


def _entry_from(doc: str) -> CommentEntry:
    data = json.loads(doc)
    data["created_at"] = datetime.fromisoformat(data["created_at"])
    data["updated_at"] = datetime.fromisoformat(data["updated_at"])
    return CommentEntry(**data)
