"""A folder's changes through SyncFolderItems, one page per call, then their MIME through GetItem.

exchangelib's `sync_items()` hands out the SyncState only after the last page, so a crash
mid-folder would redo the folder; we call the service page by page and give each page's
SyncState to the poller, which stores it after the page's comments (MS-OXWSSYNC 3.1.4.2:
every returned SyncState is a valid resume point).

Memory follows bytes, not item counts (issue 17): SyncFolderItems reports each item's size, so
a page whose emails add up to more than `max_bytes` is asked for again from the same SyncState
with fewer changes (the SyncState is the client's to replay; the server keeps nothing), and
GetItem requests are split so that none asks for more than `max_bytes` of email.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from exchangelib import Account
from exchangelib.errors import (
    ErrorCorruptData,
    ErrorInvalidSyncStateData,
    ErrorItemCorrupt,
    ErrorItemNotFound,
    ErrorMimeContentConversionFailed,
)
from exchangelib.fields import FieldPath
from exchangelib.items import ID_ONLY, Item
from exchangelib.properties import FolderId, ItemId
from exchangelib.services import GetItem, SyncFolderItems

from commsync.observability import logger
from commsync.ports import Change, ChangePage
from commsync.sources.ews.large_items import fetch_large

# Only what we use: SyncFolderItems behaves like FindItem, so content comes from GetItem.
_SYNC_FIELDS = {FieldPath(field=Item.get_field_by_fieldname(name)) for name in ("datetime_received", "size")}
_FETCH_FIELDS = {FieldPath(field=Item.get_field_by_fieldname("mime_content"))}
_UPSERTS = (SyncFolderItems.CREATE, SyncFolderItems.UPDATE)
# Per-item GetItem errors that concern the MIME export, not the email (MS-OXWSCDATA ResponseCodeType).
_MIME_FAILURES = (ErrorMimeContentConversionFailed, ErrorItemCorrupt, ErrorCorruptData)


def item_pages(
    account: Account,
    folder_id: str,
    token: str | None,
    page_size: int,
    fetch_batch: int,
    start_time: datetime | None,
    stream_over_bytes: int = 10_000_000,
    max_bytes: int = 8_000_000,
) -> Iterator[ChangePage]:
    service = SyncFolderItems(account=account)
    state, ask = token, page_size
    while True:
        try:
            changes = _one_page(service, folder_id, state, ask)
            fitting = _fitting(changes, start_time, stream_over_bytes, max_bytes)
            cut = fitting < len(changes)
            while fitting < len(changes):
                # Fewer changes from the same state: the page then holds at most max_bytes.
                changes = _one_page(service, folder_id, state, fitting)
                fitting = _fitting(changes, start_time, stream_over_bytes, max_bytes)
        except ErrorInvalidSyncStateData:
            if state is None:
                raise
            # The server forgot or rejected our state: sync the folder again from the start.
            # Comment ids make the replay harmless (docs/architecture.md#sources).
            logger.warning("sync state rejected; resyncing the folder", extra={"folder_id": folder_id})
            state = None
            continue
        new_state = service.sync_state
        last = bool(service.includes_last_item_in_range) or new_state == state
        resolved = _resolve(account, changes, fetch_batch, start_time, stream_over_bytes, max_bytes)
        yield ChangePage(changes=resolved, token=new_state, last=last)
        if last:
            return
        state, ask = (
            new_state,
            _next_ask(changes, ask, cut, page_size, start_time, stream_over_bytes, max_bytes),
        )


def _one_page(service: SyncFolderItems, folder_id: str, state: str | None, page_size: int) -> list[Any]:
    out = []
    for change in service.call(
        folder=FolderId(id=folder_id),
        shape=ID_ONLY,
        additional_fields=_SYNC_FIELDS,
        sync_state=state,
        ignore=None,
        max_changes_returned=page_size,
        sync_scope=None,
    ):
        if isinstance(change, Exception):
            raise change
        out.append(change)
    return out


def _next_ask(
    changes: list[Any],
    ask: int,
    cut: bool,
    page_size: int,
    start_time: datetime | None,
    stream_over: int,
    max_bytes: int,
) -> int:
    """Big emails come in runs (one sender's scans): ask for what fitted after a cut page, and
    grow back once a page leaves half the budget unused, so a run costs one request per page."""
    if cut:
        return max(1, len(changes))
    held = sum(_fetched_bytes(kind, item, start_time, stream_over) for kind, item in changes)
    return min(page_size, 2 * ask) if 2 * held <= max_bytes else ask


def _fitting(changes: list[Any], start_time: datetime | None, stream_over: int, max_bytes: int) -> int:
    """How many leading changes hold at most `max_bytes` of email fetched whole (at least one)."""
    total = 0
    for count, (kind, item) in enumerate(changes):
        total += _fetched_bytes(kind, item, start_time, stream_over)
        if total > max_bytes:
            return max(count, 1)
    return len(changes)


def _fetched_bytes(kind: str, item: Any, start_time: datetime | None, stream_over: int) -> int:
    # Deletes, skipped items and streamed ones (a small stand-in, attachments one chunk at a time)
    # hold no email in memory.
    if kind not in _UPSERTS or item.size is None or item.size > stream_over:
        return 0
    received = _plain_utc(item.datetime_received)
    return 0 if start_time is not None and received is not None and received < start_time else int(item.size)


def _resolve(
    account: Account,
    changes: list[Any],
    fetch_batch: int,
    start_time: datetime | None,
    stream_over: int,
    max_bytes: int,
) -> list[Change]:
    wanted: list[tuple[str, str | None, datetime | None, int]] = []
    large: list[tuple[str, str | None, datetime | None, int]] = []
    out: list[Change] = []
    for kind, item in changes:
        if kind == SyncFolderItems.DELETE:
            out.append(Change(kind="delete", item_key=item.id))
        elif kind in _UPSERTS:
            received = _plain_utc(item.datetime_received)
            if start_time is not None and received is not None and received < start_time:
                # docs/architecture.md#sources: nothing received before the start time; not even fetched
                continue
            if item.size is not None and item.size > stream_over:
                large.append((item.id, item.changekey, received, item.size))
            else:
                wanted.append((item.id, item.changekey, received, item.size or 0))
        # read-flag changes say nothing the comment holds
    for batch in _batches(wanted, fetch_batch, max_bytes):
        out.extend(_fetch(account, batch))
    out.extend(fetch_large(account, large))
    return out


def _plain_utc(value: datetime | None) -> datetime | None:
    # exchangelib's EWSDateTime refuses non-EWS time zones in astimezone(); the domain wants plain UTC.
    return None if value is None else datetime.fromtimestamp(value.timestamp(), tz=UTC)


_Wanted = tuple[str, str | None, datetime | None, int]


def _batches(wanted: list[_Wanted], most: int, max_bytes: int) -> Iterator[list[_Wanted]]:
    """GetItem requests of at most `most` items and `max_bytes` of email (one item at least)."""
    batch: list[_Wanted] = []
    total = 0
    for entry in wanted:
        if batch and (len(batch) >= most or total + entry[3] > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(entry)
        total += entry[3]
    if batch:
        yield batch


def _fetch(account: Account, wanted: list[_Wanted]) -> list[Change]:
    """One GetItem request for these items' MIME."""
    service = GetItem(account=account, chunk_size=len(wanted))
    ids = [ItemId(id=item_id, changekey=changekey) for item_id, changekey, _, _ in wanted]
    out = []
    without_mime: list[_Wanted] = []
    for (item_id, changekey, received, _), item in zip(
        wanted, service.call(items=ids, additional_fields=_FETCH_FIELDS, shape=ID_ONLY), strict=True
    ):
        if isinstance(item, ErrorItemNotFound):
            continue  # deleted or moved since the sync call; a move shows up in its new folder
        if isinstance(item, _MIME_FAILURES):
            # One email the server cannot export as MIME must not block the mailbox
            # (docs/architecture.md#failure-classes,
            # item class): it is rebuilt from its properties, as a large email is.
            logger.warning("no MIME for an item; using its properties", extra={"error": type(item).__name__})
            without_mime.append((item_id, changekey, received, 0))
            continue
        if isinstance(item, Exception):
            raise item
        out.append(
            Change(kind="upsert", item_key=item_id, mime=item.mime_content or b"", received_at=received)
        )
    return out + fetch_large(account, without_mime)
