"""The mailbox's folder tree through SyncFolderHierarchy (MS-OXWSSYNC 3.1.4.1).

SyncFolderHierarchy returns only what changed since its SyncState, so the token we hand the
poller carries the state and the folder map it was computed against (id -> parent, name,
class), compressed: an idle poll costs one small request and still knows every path.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any

from exchangelib import Account
from exchangelib.errors import ErrorFolderNotFound, ErrorInvalidSyncStateData
from exchangelib.fields import FieldPath
from exchangelib.folders import Folder, MsgFolderRoot, Root
from exchangelib.items import ID_ONLY
from exchangelib.services import GetFolder, SyncFolderHierarchy

from commsync.observability import logger
from commsync.ports import FolderListing, FolderRef

_FIELDS = {
    FieldPath(field=Folder.get_field_by_fieldname(name))
    for name in ("parent_folder_id", "name", "folder_class")
}
_TOTAL = {FieldPath(field=Folder.get_field_by_fieldname("total_count"))}
# Mail folders only (MS-OXOSFLD: IPF.Note and its sub-classes); calendars, contacts and tasks are not mail.
_MAIL_CLASS = "IPF.Note"


@dataclass
class FolderTree:
    state: str | None
    # folder id -> (parent id, display name, folder class)
    nodes: dict[str, tuple[str, str, str]]

    @classmethod
    def decode(cls, token: str | None) -> FolderTree:
        if not token:
            return cls(None, {})
        data = json.loads(zlib.decompress(base64.b64decode(token)))
        return cls(data["s"], {k: (v[0], v[1], v[2]) for k, v in data["f"].items()})

    def encode(self) -> str:
        blob = json.dumps({"s": self.state, "f": self.nodes}, separators=(",", ":")).encode()
        return base64.b64encode(zlib.compress(blob, 9)).decode("ascii")

    def path_of(self, folder_id: str) -> str:
        parts: list[str] = []
        seen: set[str] = set()
        current = folder_id
        # Folders whose parent is not in the map hang off the message folder root.
        while current in self.nodes and current not in seen:
            seen.add(current)
            parent, name, _ = self.nodes[current]
            parts.append(name.replace("/", "\u2215"))  # a "/" in a name must not split the path
            current = parent
        return "/".join(reversed(parts))

    def mail_folders(self) -> list[FolderRef]:
        refs = [
            FolderRef(id=folder_id, path=self.path_of(folder_id))
            for folder_id, (_, _, folder_class) in self.nodes.items()
            if folder_class == _MAIL_CLASS or folder_class.startswith(_MAIL_CLASS + ".")
        ]
        return sorted(refs, key=lambda ref: ref.path.casefold())


def list_folders(account: Account, token: str | None) -> FolderListing:
    try:
        tree = _synced(account, FolderTree.decode(token))
    except ErrorInvalidSyncStateData:
        if not token:
            raise
        # The server no longer knows our state: list the tree afresh (each folder keeps its own checkpoint).
        logger.warning("folder tree sync state rejected; listing the tree afresh")
        tree = _synced(account, FolderTree(None, {}))
    return FolderListing(folders=tree.mail_folders(), token=tree.encode())


def _synced(account: Account, tree: FolderTree) -> FolderTree:
    service = SyncFolderHierarchy(account=account)
    # Built locally, not fetched: the distinguished id is all SyncFolderId needs (saves two GetFolder calls).
    root = MsgFolderRoot(root=Root(account=account))
    state = tree.state
    while True:
        for change in service.call(folder=root, shape=ID_ONLY, additional_fields=_FIELDS, sync_state=state):
            _apply(tree, change)
        done = service.includes_last_item_in_range or service.sync_state == state
        state = service.sync_state
        if done:
            break
    tree.state = state
    return tree


def _apply(tree: FolderTree, change: Any) -> None:
    if isinstance(change, Exception):
        raise change
    kind, folder = change
    if kind == SyncFolderHierarchy.DELETE:
        tree.nodes.pop(folder.id, None)
        return
    parent = folder.parent_folder_id.id if folder.parent_folder_id else ""
    tree.nodes[folder.id] = (parent, folder.name or "", folder.folder_class or "")


def folder_total(account: Account, folder_id: str) -> int | None:
    """The folder's TotalCount by one GetFolder (MS-OXWSFOLD FolderType), asked for the start of
    a backfill only: an idle poll stays one SyncFolderItems per folder (issue 17). Progress only
    (issue 23): a folder gone meanwhile gives no total, and SyncFolderItems reports it."""
    folder = Folder(root=Root(account=account), id=folder_id)
    try:
        (found,) = GetFolder(account=account).call(folders=[folder], additional_fields=_TOTAL, shape=ID_ONLY)
    except ErrorFolderNotFound:
        return None
    if isinstance(found, ErrorFolderNotFound):
        return None
    if isinstance(found, Exception):
        raise found
    total = getattr(found, "total_count", None)
    return total if isinstance(total, int) else None
