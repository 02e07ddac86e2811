"""Deleted emails and records (issue 19): `deletions = "keep" | "mark" | "delete"` per integration.

`keep` (the default, Communications Mining's behaviour): comments outlive their emails, and
nothing here runs. `mark`: the comment gains `string:Deleted At`, at no AI unit. `delete`: the
comment, its raw MIME and its attachment uses go (shared attachment bytes with the last use);
its index row stays as a tombstone whose new change time puts it in the comment feed, where
the comment then answers 404.

A move is never taken for a delete. EWS and Graph report a move as a delete in one folder and a
create in another, in either order, possibly in different pages or polls. So a delete only
says "this item left this folder": the comment is deleted once no mailbox of the bucket holds
it in any folder, and only after a complete poll of the mailbox that began after the delete
was seen, so a create in a folder read earlier in the same poll shows up first.

State, in the blob store, each key written only by its own mailbox's poller (one at a time,
a FIFO message group):
- `deletions/<bucket>/items/<integration>/<mailbox>/<folder+item hash>`: the comment an item made;
- `deletions/<bucket>/held/<comment id>/<mailbox hash>`: the items of one mailbox that hold the
  comment (a JSON list); no key under `held/<comment id>/` means no mailbox holds it;
- `deletions/<bucket>/pending/<integration>/<mailbox>.json`: comments this mailbox no longer
  holds, with when that was seen.
Salesforce reads deletions with getDeleted; the same rule applies to its records.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import datetime

from commsync.cleaning.build import attachment_key, attachment_use_key, comment_key, raw_key
from commsync.engine import Engine
from commsync.models import Comment, Integration, Mailbox
from commsync.observability import logger
from commsync.ports import CommentEntry

DELETED_AT = "string:Deleted At"


def _hash(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]


class Deletions:
    """One poll's view; every method is a no-op when the integration keeps comments."""

    def __init__(self, engine: Engine, integration: Integration, mailbox: Mailbox) -> None:
        self.engine, self.integration, self.mailbox = engine, integration, mailbox
        self.active = integration.deletions != "keep"
        self.started = engine.clock()
        self._bucket = integration.bucket
        self._who = f"{integration.key}/{mailbox.address}"

    def seen(self, folder_id: str, item_key: str, comment_id: str) -> None:
        """An item of this mailbox holds the comment (after its upsert was recorded)."""
        if not self.active:
            return
        key = self._item_key(folder_id, item_key)
        if self.engine.blobs.get(key) == comment_id.encode():
            return
        self.engine.blobs.put(key, comment_id.encode(), "text/plain")
        held = self._held(comment_id)
        entry = _hash(folder_id, item_key)
        if entry not in held:
            self._put_held(comment_id, [*held, entry])

    def gone(self, folder_id: str, item_key: str) -> None:
        """The item left this folder: deleted, or moved (a create elsewhere says which)."""
        if not self.active:
            return
        key = self._item_key(folder_id, item_key)
        stored = self.engine.blobs.get(key)
        if stored is None:
            return  # never recorded (filtered out, or synced before deletions were tracked)
        comment_id = stored.decode()
        self.engine.blobs.delete(key)
        held = [h for h in self._held(comment_id) if h != _hash(folder_id, item_key)]
        self._put_held(comment_id, held)
        if not held:
            pending = self._pending()
            pending.setdefault(comment_id, self.engine.clock().isoformat())
            self._put_pending(pending)

    def finish(self) -> None:
        """After a complete poll: decide what was pending before it began."""
        if not self.active:
            return
        pending = self._pending()
        due = [c for c, seen in pending.items() if datetime.fromisoformat(seen) < self.started]
        for comment_id in due:
            del pending[comment_id]
            if next(iter(self.engine.blobs.keys(self._held_prefix(comment_id))), None) is None:
                self._apply(comment_id)
        if due:
            self._put_pending(pending)

    def _apply(self, comment_id: str) -> None:
        bucket, engine = self._bucket, self.engine
        entry = engine.state.get_comment_entry(bucket, comment_id)
        stored = engine.blobs.get(comment_key(bucket, comment_id))
        if entry is None or stored is None:
            return
        comment = Comment.model_validate_json(stored)
        now = engine.clock()
        action = self.integration.deletions
        logger.info("email gone from every mailbox", extra={"comment": comment_id, "action": action})
        if self.integration.deletions == "mark":
            properties = {**comment.user_properties, DELETED_AT: now.isoformat()}
            marked = comment.model_copy(update={"user_properties": properties, "updated_at": now})
            engine.blobs.put(comment_key(bucket, comment_id), marked.to_json().encode(), "application/json")
            engine.state.update_comment_entry(_touched(entry, now), charge=None)
            return
        for attachment in comment.attachments:
            if attachment.attachment_reference:
                self._release(attachment.attachment_reference, comment_id)
        engine.blobs.delete(raw_key(bucket, comment_id))
        engine.blobs.delete(comment_key(bucket, comment_id))
        # The index row stays as a tombstone with a new change time: the comment feed reports
        # the change, and the comment itself now answers 404 (what a deletion looks like there).
        engine.state.update_comment_entry(_touched(entry, now), charge=None)

    def _release(self, reference: str, comment_id: str) -> None:
        """Content-addressed bytes are shared: they go only with the last comment that uses them."""
        blobs = self.engine.blobs
        blobs.delete(attachment_use_key(self._bucket, reference, comment_id))
        if next(iter(blobs.keys(attachment_use_key(self._bucket, reference, ""))), None) is None:
            blobs.delete(attachment_key(self._bucket, reference))

    def _item_key(self, folder_id: str, item_key: str) -> str:
        return f"deletions/{self._bucket}/items/{self._who}/{_hash(folder_id, item_key)}"

    def _held_prefix(self, comment_id: str) -> str:
        return f"deletions/{self._bucket}/held/{comment_id}/"

    def _held(self, comment_id: str) -> list[str]:
        raw = self.engine.blobs.get(self._held_prefix(comment_id) + _hash(self._who))
        return list(json.loads(raw)) if raw else []

    def _put_held(self, comment_id: str, held: list[str]) -> None:
        key = self._held_prefix(comment_id) + _hash(self._who)
        if held:
            self.engine.blobs.put(key, json.dumps(held).encode(), "application/json")
        else:
            self.engine.blobs.delete(key)

    def _pending_key(self) -> str:
        return f"deletions/{self._bucket}/pending/{self._who}.json"

    def _pending(self) -> dict[str, str]:
        raw = self.engine.blobs.get(self._pending_key())
        return dict(json.loads(raw)) if raw else {}

    def _put_pending(self, pending: dict[str, str]) -> None:
        if pending:
            self.engine.blobs.put(self._pending_key(), json.dumps(pending).encode(), "application/json")
        else:
            self.engine.blobs.delete(self._pending_key())


def _touched(entry: CommentEntry, now: datetime) -> CommentEntry:
    return dataclasses.replace(entry, updated_at=now)
