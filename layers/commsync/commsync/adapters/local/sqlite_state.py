"""StateStore on SQLite: one file, WAL journal, every write its own transaction."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from commsync.adapters.local.sqlite_api_state import API_SCHEMA, SqliteApiState, add_change_keys
from commsync.adapters.local.sqlite_pending import PENDING_SCHEMA, SqlitePendingCounts
from commsync.adapters.local.sqlite_rows import connect, mailbox_row
from commsync.adapters.stored_integration import integration_row, writable
from commsync.models import Checkpoint, Integration, Mailbox, MailboxRef, MailboxState, Usage
from commsync.models.comment_feed import change_key
from commsync.models.common import iso_z, utc_now
from commsync.models.integration import Disabled
from commsync.ports import CommentEntry, MailboxSnapshot, ScheduleEntry
from commsync.schedule import next_due

_SCHEMA = """
CREATE TABLE IF NOT EXISTS integrations (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mailboxes (
    integration TEXT NOT NULL, address TEXT NOT NULL, config TEXT NOT NULL, state TEXT NOT NULL,
    due INTEGER NOT NULL, next_poll_at TEXT NOT NULL, PRIMARY KEY (integration, address));
CREATE INDEX IF NOT EXISTS mailboxes_due ON mailboxes (due, next_poll_at);
CREATE TABLE IF NOT EXISTS checkpoints (
    mailbox_key TEXT NOT NULL, folder_id TEXT NOT NULL, doc TEXT NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (mailbox_key, folder_id));
CREATE TABLE IF NOT EXISTS comment_index (
    bucket TEXT NOT NULL, comment_id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (bucket, comment_id));
CREATE TABLE IF NOT EXISTS usage (
    project TEXT NOT NULL, period TEXT NOT NULL, ai_units INTEGER NOT NULL, PRIMARY KEY (project, period));
"""

# The one-off poll of a new mailbox (at once), and none asked for (see adapters/aws).
_NEVER = ""
NO_POLL_AT = "9999-12-31T23:59:59Z"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SqliteState(SqliteApiState, SqlitePendingCounts):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = connect(path, _SCHEMA + API_SCHEMA + PENDING_SCHEMA)
        add_change_keys(self._db)
        _add_checkpoint_revisions(self._db)
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
        return integration_row(key, row[0]) if row else None

    def list_integrations(self) -> list[Integration]:
        # A row that no longer validates is read as its integration, disabled (issue 16).
        rows = self._all("SELECT key, doc FROM integrations ORDER BY key")
        return [integration_row(key, doc) for key, doc in rows]

    def set_integration_disabled(self, key: str, disabled: Disabled | None) -> None:
        with self._tx() as db:
            row = db.execute("SELECT doc FROM integrations WHERE key = ?", (key,)).fetchone()
            current = writable(row[0]) if row else None
            # An unreadable row is left exactly as stored: only PUT or delete replaces it.
            if current is not None:
                updated = current.model_copy(update={"disabled": disabled})
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
        return self._mailbox_row(ref)

    def _mailbox_row(self, ref: MailboxRef) -> tuple[Mailbox, MailboxState] | None:
        row = self._one(
            "SELECT config, state, next_poll_at FROM mailboxes WHERE integration = ? AND address = ?",
            (ref.integration, ref.address),
        )
        return _mailbox_from(ref.integration, ref.address, *row) if row else None

    def list_mailboxes(self, integration: str) -> list[tuple[Mailbox, MailboxState]]:
        rows = self._all(
            "SELECT address, config, state, next_poll_at FROM mailboxes "
            "WHERE integration = ? ORDER BY address",
            (integration,),
        )
        return [_mailbox_from(integration, *row) for row in rows]

    def load_mailbox(self, ref: MailboxRef) -> MailboxSnapshot | None:
        # One read transaction, as one Query is on DynamoDB: the row and its checkpoints agree.
        with self._lock:
            found = self._mailbox_row(ref)
            rows = self._all("SELECT doc, rev FROM checkpoints WHERE mailbox_key = ?", (ref.key,))
        if found is None:
            return None
        checkpoints = [_checkpoint_from(doc, rev) for doc, rev in rows]
        return MailboxSnapshot(found[0], found[1], {c.folder_id: c for c in checkpoints})

    def schedule_listing(self) -> Iterator[ScheduleEntry]:
        rows = self._all(
            "SELECT integration, address, json_extract(config, '$.poll_interval_seconds'), next_poll_at "
            "FROM mailboxes WHERE due = 1 ORDER BY integration, address",
            (),
        )
        for integration, address, interval, poll_at in rows:
            yield ScheduleEntry(
                MailboxRef(integration=integration, address=address), int(interval), _poll_at(poll_at)
            )

    def schedule_poll(self, ref: MailboxRef, at: datetime) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE mailboxes SET next_poll_at = ? WHERE integration = ? AND address = ?",
                (iso_z(at), ref.integration, ref.address),
            )

    def clear_poll_at(self, ref: MailboxRef, at: datetime | None) -> None:
        stored = _NEVER if at is None or at == EPOCH else iso_z(at)
        with self._tx() as db:
            db.execute(
                "UPDATE mailboxes SET next_poll_at = ? "
                "WHERE integration = ? AND address = ? AND next_poll_at = ?",
                (NO_POLL_AT, ref.integration, ref.address, stored),
            )

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
            # next_poll_at is derived on read, never stored (commsync.schedule).
            saved = state.model_copy(update={"revision": base + 1, "next_poll_at": None})
            db.execute(
                "UPDATE mailboxes SET state = ?, due = ? WHERE integration = ? AND address = ?",
                (saved.model_dump_json(), int(state.enabled), ref.integration, ref.address),
            )
            return True

    # checkpoints
    def get_checkpoint(self, ref: MailboxRef, folder_id: str) -> Checkpoint | None:
        row = self._one(
            "SELECT doc, rev FROM checkpoints WHERE mailbox_key = ? AND folder_id = ?", (ref.key, folder_id)
        )
        return _checkpoint_from(*row) if row else None

    def put_checkpoint(self, checkpoint: Checkpoint) -> bool:
        ref = MailboxRef(integration=checkpoint.integration, address=checkpoint.mailbox)
        with self._tx() as db:
            row = db.execute(
                "SELECT rev FROM checkpoints WHERE mailbox_key = ? AND folder_id = ?",
                (ref.key, checkpoint.folder_id),
            ).fetchone()
            if (row[0] if row else 0) != checkpoint.revision:
                return False
            db.execute(
                "INSERT OR REPLACE INTO checkpoints (mailbox_key, folder_id, doc, rev) VALUES (?, ?, ?, ?)",
                (ref.key, checkpoint.folder_id, checkpoint.model_dump_json(), checkpoint.revision + 1),
            )
            return True

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


def _add_checkpoint_revisions(db: sqlite3.Connection) -> None:
    """Stores made before checkpoints had revisions: theirs start at 0. In one write
    transaction, so two first starts never both add the column (as add_change_keys)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(checkpoints)")}
        if "rev" not in columns:
            db.execute("ALTER TABLE checkpoints ADD COLUMN rev INTEGER NOT NULL DEFAULT 0")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _poll_at(stored: str) -> datetime | None:
    if stored == NO_POLL_AT:
        return None
    return EPOCH if stored == _NEVER else datetime.fromisoformat(stored)


def _mailbox_from(
    integration: str, address: str, config: str, state_doc: str, poll_at: str
) -> tuple[Mailbox, MailboxState]:
    # A row that no longer validates is read as its mailbox, disabled (sqlite_rows, issue 16).
    mailbox, state = mailbox_row(integration, address, config, state_doc)
    asked = _poll_at(poll_at)
    upcoming: datetime | None = None
    if asked != EPOCH:  # derived on read: the one-off poll asked for, else the next slot
        upcoming = next_due(mailbox.ref.key, mailbox.poll_interval_seconds, utc_now())
        upcoming = min(upcoming, asked) if asked else upcoming
    return mailbox, state.model_copy(update={"next_poll_at": upcoming})


def _checkpoint_from(doc: str, rev: int) -> Checkpoint:
    return Checkpoint.model_validate_json(doc).model_copy(update={"revision": rev})


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
