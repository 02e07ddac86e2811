"""Checkpoint tokens too big for a state item live in the blob store, named from the state.

A DynamoDB item stops at 400 KB. Most tokens are far smaller (an EWS SyncState, a Graph
deltaLink), but the EWS folder tree of a large archive mailbox (thousands of folders, each
with its 150-character id) passes that, and a poll that cannot store its checkpoint fails
forever. Above INLINE_LIMIT the token goes to `checkpoints/...` in the blob store and the state
keeps `blob:<key>`; the blob is named by a digest of its content, written before the state
that names it (a crash between them leaves an unread blob, never a missing one), and the one
it replaces is deleted after.
"""

from __future__ import annotations

import hashlib

from commsync.models import Checkpoint, MailboxRef
from commsync.observability import logger
from commsync.ports import BlobStore

INLINE_LIMIT = 64_000
BLOB_PREFIX = "blob:"


def token_of(blobs: BlobStore, checkpoint: Checkpoint | None) -> str | None:
    """The token a checkpoint stands for; None (start over, which duplicates nothing) when its
    blob is gone."""
    if checkpoint is None:
        return None
    if not checkpoint.token.startswith(BLOB_PREFIX):
        return checkpoint.token
    data = blobs.get(checkpoint.token.removeprefix(BLOB_PREFIX))
    if data is None:
        logger.warning(
            "checkpoint blob missing; the folder is read from its start",
            extra={"mailbox": checkpoint.mailbox, "folder": checkpoint.folder_path},
        )
        return None
    return data.decode()


def stored_form(blobs: BlobStore, ref: MailboxRef, folder_id: str, token: str) -> str:
    """What the state keeps for this token: itself, or the name of the blob now holding it."""
    if len(token) <= INLINE_LIMIT:
        return token
    key = f"checkpoints/{_digest(ref.key + '#' + folder_id)}/{_digest(token)}.txt"
    blobs.put(key, token.encode(), "text/plain; charset=utf-8")
    return BLOB_PREFIX + key


def drop_replaced(blobs: BlobStore, previous: str | None, current: str) -> None:
    """Delete the blob of the token the state no longer names."""
    if previous and previous.startswith(BLOB_PREFIX) and previous != current:
        blobs.delete(previous.removeprefix(BLOB_PREFIX))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]
