"""SyncFolderHierarchy (MS-OXWSSYNC 3.1.4.1): folders created, renamed or deleted since a SyncState.

Without SyncFolderId the whole mailbox (from root) is synchronised; with one, its subtree. All
changes come in one response (the operation has no MaxChangesReturned).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import changes, folder_xml
from emulators.ews.context import Context
from emulators.ews.mailbox import Folder, Mailbox
from emulators.ews.request import M, shape
from emulators.ews.soap import EwsError, error, success, text
from emulators.ews.syncstate import Position

NAME = "SyncFolderHierarchy"
IDS = None
TRAILER = "<m:SyncState/><m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange>"
_UNBOUNDED = 1 << 62


def handle(context: Context, body: ET.Element) -> list[str]:
    fields = folder_xml.wanted(shape(body.find(f"{M}FolderShape")))
    try:
        mailbox, top = _sync_folder(context, body.find(f"{M}SyncFolderId"))
        with mailbox.lock:
            token = (body.findtext(f"{M}SyncState") or "").strip()
            states = context.store.states
            cursor = states.open(token, "hierarchy", mailbox.address, top.uid, mailbox.epoch)
            page = changes.page(mailbox.hierarchy, cursor, _UNBOUNDED, mailbox.folder_life)
            rendered = "".join(_change(mailbox, top, change, fields) for change in page.changes)
            mailbox.checkpoint()
            state = states.seal(Position("hierarchy", mailbox.address, top.uid, mailbox.epoch, page.cursor))
    except EwsError as failure:
        return [error(NAME, failure, TRAILER)]
    return [
        success(
            NAME,
            f"<m:SyncState>{text(state)}</m:SyncState>"
            f"<m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange><m:Changes>{rendered}</m:Changes>",
        )
    ]


def _sync_folder(context: Context, element: ET.Element | None) -> tuple[Mailbox, Folder]:
    if element is not None and len(element):
        return context.folder(element[0])
    mailbox = context.mailbox(None)
    return mailbox, mailbox.root


def _change(mailbox: Mailbox, top: Folder, change: changes.Change, fields: frozenset[str]) -> str:
    folder = mailbox.folders[change.uid]
    if not mailbox.is_under(folder, top):
        return ""
    if change.kind == changes.DELETE:
        return f"<t:Delete>{folder_xml.folder_id(mailbox, folder)}</t:Delete>"
    tag = "t:Create" if change.kind == changes.CREATE else "t:Update"
    return f"<{tag}>{folder_xml.render(mailbox, folder, fields)}</{tag}>"
