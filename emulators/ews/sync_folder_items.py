"""SyncFolderItems (MS-OXWSSYNC 3.1.4.2): a folder's item changes since a SyncState, paged.

At most MaxChangesReturned (1..512) coalesced changes per response, oldest first;
IncludesLastItemInRange says whether the client has caught up. Each page's SyncState is a valid
checkpoint. Items listed in Ignore are left out. Like FindItem, it returns no MimeContent, Body or
Attachments: clients fetch those with GetItem.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import changes, ids, item_xml
from emulators.ews.context import Context
from emulators.ews.mailbox import Mailbox
from emulators.ews.request import M, Shape, children, int_value, shape
from emulators.ews.soap import EwsError, SoapFault, attr, boolean, error, success, text
from emulators.ews.syncstate import Position

NAME = "SyncFolderItems"
IDS = None
TRAILER = "<m:SyncState/><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange>"


def handle(context: Context, body: ET.Element) -> list[str]:
    item_shape = shape(body.find(f"{M}ItemShape"))
    fields = item_xml.wanted(item_shape, excluded=item_xml.NOT_IN_SYNC)
    limit = int_value(body, f"{M}MaxChangesReturned", 0)
    if not 1 <= limit <= 512:
        raise SoapFault("ErrorSchemaValidation", "MaxChangesReturned must be between 1 and 512.")
    ignored = _ignored(body)
    sync_folder = children(body, f"{M}SyncFolderId")
    try:
        if not sync_folder:
            raise SoapFault("ErrorSchemaValidation", "The request failed schema validation: SyncFolderId.")
        try:
            mailbox, folder = context.folder(sync_folder[0])
        except EwsError as failure:
            # MS-OXWSSYNC 3.1.4.2: a sync of a folder that does not exist is ErrorSyncFolderNotFound.
            if failure.code == "ErrorFolderNotFound":
                raise EwsError("ErrorSyncFolderNotFound") from None
            raise
        with mailbox.lock:
            token = (body.findtext(f"{M}SyncState") or "").strip()
            states = context.store.states
            cursor = states.open(token, "items", mailbox.address, folder.uid, mailbox.epoch)
            page = changes.page(folder.log, cursor, limit, mailbox.item_life)
            rendered = "".join(
                _change(mailbox, change, item_shape, fields)
                for change in page.changes
                if change.uid not in ignored
            )
            mailbox.checkpoint()
            state = states.seal(Position("items", mailbox.address, folder.uid, mailbox.epoch, page.cursor))
    except EwsError as failure:
        return [error(NAME, failure, TRAILER)]
    return [
        success(
            NAME,
            f"<m:SyncState>{text(state)}</m:SyncState>"
            f"<m:IncludesLastItemInRange>{boolean(page.includes_last)}</m:IncludesLastItemInRange>"
            f"<m:Changes>{rendered}</m:Changes>",
        )
    ]


def _ignored(body: ET.Element) -> set[int]:
    uids = set()
    for element in children(body, f"{M}Ignore"):
        try:
            uids.add(ids.decode(element.get("Id"), "item").item)
        except EwsError:
            continue
    return uids


def _change(mailbox: Mailbox, change: changes.Change, item_shape: Shape, fields: frozenset[str]) -> str:
    item = mailbox.items[change.uid]
    item_id = attr(ids.item_id(mailbox.address, item.folder.uid, item.uid))
    if change.kind == changes.DELETE:
        return f"<t:Delete><t:ItemId Id={item_id}/></t:Delete>"
    if change.kind == changes.READ_FLAG:
        change_key = attr(ids.change_key(item.uid, item.version))
        return (
            f"<t:ReadFlagChange><t:ItemId Id={item_id} ChangeKey={change_key}/>"
            f"<t:IsRead>{boolean(change.is_read)}</t:IsRead></t:ReadFlagChange>"
        )
    tag = "t:Create" if change.kind == changes.CREATE else "t:Update"
    return f"<{tag}>{item_xml.render(item, mailbox.address, item_shape, fields)}</{tag}>"
