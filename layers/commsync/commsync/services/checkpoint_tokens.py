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
from datetime import datetime, timedelta

from commsync.models import Checkpoint, MailboxRef
from commsync.models.integration import SourceKind
from commsync.observability import logger
from commsync.ports import BlobStore

INLINE_LIMIT = 64_000
BLOB_PREFIX = "blob:"

# Issue 17: an idle poll writes nothing, so a folder's stored token is the one of its last
# change, however many polls ago. How long each server goes on accepting an old token, and so
# how old a stored one may grow before an idle poll stores the fresh one the server handed back:
# - EWS SyncState is opaque state the client keeps; the server keeps none per client and
#   documents no expiry (MS-OXWSSYNC 3.1.4.2 SyncFolderItems; a bad one is
#   ErrorInvalidSyncStateData). A week bounds what one replays if that ever changes.
# - Graph message deltaLink: "for Outlook entities the upper limit isn't fixed; it's dependent
#   on the size of the internal delta token cache ... the older delta tokens are deleted"
#   (learn.microsoft.com/graph/delta-query-overview, "Token duration"; directory objects: 7 days);
#   an expired one is HTTP 410 and a full resync. A day keeps us far from both.
# - Salesforce: our cursor is a SystemModstamp mark plus the start of the next getDeleted window,
#   and getDeleted answers at most 15 days back (sobject Get Deleted, sources/salesforce/deleted.py),
#   so a mark older than that loses deletions. A day, again far inside. (SOQL query cursors,
#   15 minutes idle, never outlive an invocation: they are not checkpoints.)
# - eml: a local watermark that never expires.
REFRESH_AFTER: dict[SourceKind, timedelta | None] = {
    SourceKind.EWS: timedelta(days=7),
    SourceKind.GRAPH: timedelta(days=1),
    SourceKind.SALESFORCE: timedelta(days=1),
    SourceKind.EML: None,
}


def needs_write(
    kind: SourceKind, stored: Checkpoint | None, token: str, changed: bool, now: datetime
) -> bool:
    """Whether a page's token must be stored: the first one, or one that moved past changes, or
    a fresh one when the stored one would otherwise age past what the server accepts."""
    if stored is None:
        return True
    if changed:
        return True
    limit = REFRESH_AFTER.get(kind)
    # An inline token equal to the stored one renews nothing; a blob's name is its digest.
    return limit is not None and now - stored.updated_at >= limit and stored.token != token


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
