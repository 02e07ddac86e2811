"""A folder's changes through SyncFolderItems, one page per call, then their MIME through GetItem.

exchangelib's `sync_items()` hands out the SyncState only after the last page, so a crash
mid-folder would redo the folder; we call the service page by page and give each page's
SyncState to the poller, which stores it after the page's comments (MS-OXWSSYNC 3.1.4.2:
every returned SyncState is a valid resume point).
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
) -> Iterator[ChangePage]:
    service = SyncFolderItems(account=account)
    state = token
    while True:
        try:
            changes = _one_page(service, folder_id, state, page_size)
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
        resolved = _resolve(account, changes, fetch_batch, start_time, stream_over_bytes)
        yield ChangePage(changes=resolved, token=new_state, last=last)
        if last:
            return
        state = new_state


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


def _resolve(
    account: Account, changes: list[Any], fetch_batch: int, start_time: datetime | None, stream_over: int
) -> list[Change]:
    wanted: list[tuple[str, str | None, datetime | None]] = []
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
                wanted.append((item.id, item.changekey, received))
        # read-flag changes say nothing the comment holds
    out.extend(_fetch(account, wanted, fetch_batch))
    out.extend(fetch_large(account, large))
    return out


def _plain_utc(value: datetime | None) -> datetime | None:
    # exchangelib's EWSDateTime refuses non-EWS time zones in astimezone(); the domain wants plain UTC.
    return None if value is None else datetime.fromtimestamp(value.timestamp(), tz=UTC)


def _fetch(
    account: Account, wanted: list[tuple[str, str | None, datetime | None]], batch: int
) -> list[Change]:
    if not wanted:
        return []
    service = GetItem(account=account, chunk_size=batch)
    ids = [ItemId(id=item_id, changekey=changekey) for item_id, changekey, _ in wanted]
    out = []
    without_mime: list[tuple[str, str | None, datetime | None, int]] = []
    for (item_id, changekey, received), item in zip(
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
