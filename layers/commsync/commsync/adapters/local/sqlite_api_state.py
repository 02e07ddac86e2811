"""The management API's part of the SQLite StateStore: deletions, the comment change feed,
OAuth state, API tokens and notification subscriptions (issue 7)."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from commsync.models import MailboxRef
from commsync.models.access import ApiToken
from commsync.models.common import iso_z
from commsync.models.oauth import OAuthState
from commsync.models.subscription import Subscription

API_SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_states (
    state_sha256 TEXT PRIMARY KEY, doc TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_tokens (sha256 TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    integration TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (integration, id));
"""


def add_change_keys(db: sqlite3.Connection) -> None:
    """The feed's column and index (models.comment_feed), added to stores created before them;
    rows written before get a key from their stored (whole-second) updated_at.

    In one write transaction: two first starts on a new store both saw no column and the
    second ALTER failed with "duplicate column name" (issue 16)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        columns = {row[1] for row in db.execute("PRAGMA table_info(comment_index)")}
        if "change_key" not in columns:
            db.execute("ALTER TABLE comment_index ADD COLUMN change_key TEXT")
            db.execute(
                "UPDATE comment_index SET change_key = "
                "replace(json_extract(doc, '$.updated_at'), 'Z', '.000000Z') || '#' || comment_id"
            )
        db.execute("CREATE INDEX IF NOT EXISTS comment_changes ON comment_index (bucket, change_key)")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class SqliteApiState:
    """Mixed into SqliteState, which provides the connection and the write transaction."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def _one(self, sql: str, params: tuple[object, ...] = ()) -> Any:
        with self._lock:
            return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: tuple[object, ...] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    if TYPE_CHECKING:

        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def delete_integration(self, key: str) -> bool:
        with self._tx() as db:
            return bool(db.execute("DELETE FROM integrations WHERE key = ?", (key,)).rowcount)

    def delete_mailbox(self, ref: MailboxRef) -> bool:
        with self._tx() as db:
            deleted = db.execute(
                "DELETE FROM mailboxes WHERE integration = ? AND address = ?", (ref.integration, ref.address)
            ).rowcount
            db.execute("DELETE FROM checkpoints WHERE mailbox_key = ?", (ref.key,))
            return bool(deleted)

    # OAuth state
    def put_oauth_state(self, state: OAuthState) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO oauth_states VALUES (?, ?, ?)",
                (state.state_sha256, state.model_dump_json(), iso_z(state.expires_at)),
            )

    def take_oauth_state(self, state_sha256: str, now: datetime) -> OAuthState | None:
        # One write transaction: a second callback with the same state finds nothing.
        with self._tx() as db:
            row = db.execute(
                "DELETE FROM oauth_states WHERE state_sha256 = ? RETURNING doc, expires_at", (state_sha256,)
            ).fetchone()
            db.execute("DELETE FROM oauth_states WHERE expires_at <= ?", (iso_z(now),))
        if row is None or row[1] <= iso_z(now):
            return None
        return OAuthState.model_validate_json(row[0])

    # API tokens
    def put_api_token(self, token: ApiToken) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM api_tokens WHERE name = ?", (token.name,))
            db.execute(
                "INSERT OR REPLACE INTO api_tokens VALUES (?, ?, ?)",
                (token.sha256, token.name, token.model_dump_json()),
            )

    def get_api_token(self, sha256: str) -> ApiToken | None:
        row = self._one("SELECT doc FROM api_tokens WHERE sha256 = ?", (sha256,))
        return ApiToken.model_validate_json(row[0]) if row else None

    def list_api_tokens(self) -> list[ApiToken]:
        rows = self._all("SELECT doc FROM api_tokens ORDER BY name")
        return [ApiToken.model_validate_json(r[0]) for r in rows]

    def delete_api_token(self, name: str) -> bool:
        with self._tx() as db:
            return bool(db.execute("DELETE FROM api_tokens WHERE name = ?", (name,)).rowcount)

    # subscriptions
    def put_subscription(self, subscription: Subscription) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?)",
                (subscription.integration, subscription.id, subscription.model_dump_json()),
            )

    def list_subscriptions(self, integration: str) -> list[Subscription]:
        rows = self._all("SELECT doc FROM subscriptions WHERE integration = ? ORDER BY id", (integration,))
        return [Subscription.model_validate_json(r[0]) for r in rows]

    def delete_subscription(self, integration: str, subscription_id: str) -> Subscription | None:
        with self._tx() as db:
            row = db.execute(
                "DELETE FROM subscriptions WHERE integration = ? AND id = ? RETURNING doc",
                (integration, subscription_id),
            ).fetchone()
        return Subscription.model_validate_json(row[0]) if row else None
