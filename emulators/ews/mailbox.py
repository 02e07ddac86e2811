"""One mailbox: its folder tree, its items and the change logs that SyncFolder* read.

Every change goes through a method here, which appends to the right log, so a SyncState
taken before the change sees it afterwards, as on a real server. Callers hold `mailbox.lock`.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from emulators.ews.changes import CREATE, DELETE, READ_FLAG, UPDATE, ChangeLog, Entry
from emulators.ews.mime import MimeSource

# Distinguished folders every mailbox has under msgfolderroot (MS-OXWSCDATA DistinguishedFolderIdNameType).
STANDARD_FOLDERS = (
    ("inbox", "Inbox"),
    ("sentitems", "Sent Items"),
    ("deleteditems", "Deleted Items"),
    ("drafts", "Drafts"),
    ("junkemail", "Junk Email"),
    ("outbox", "Outbox"),
)
# Folders of other item kinds every mailbox also has (folder class: MS-OXOSFLD 2.2.2); mail
# clients must skip them, so they are there to be skipped.
OTHER_FOLDERS = (
    ("calendar", "Calendar", "IPF.Appointment"),
    ("contacts", "Contacts", "IPF.Contact"),
    ("tasks", "Tasks", "IPF.Task"),
)
_STANDARD_IDS = {distinguished for distinguished, _ in STANDARD_FOLDERS}


@dataclass(eq=False)
class Item:
    uid: int
    folder: Folder
    source: MimeSource
    received: datetime
    is_read: bool = False
    version: int = 0
    alive: bool = True
    created_seq: int = 0
    deleted_seq: int | None = None
    # Exchange sometimes cannot export an item as MIME (ErrorMimeContentConversionFailed).
    mime_fails: bool = False
    origin: int | None = None  # the uid of the item first moved to make this one (Graph's immutable id)


@dataclass(eq=False)
class Folder:
    uid: int
    name: str
    parent: Folder | None
    distinguished: str | None = None
    folder_class: str | None = "IPF.Note"
    version: int = 0
    alive: bool = True
    items: dict[int, Item] = field(default_factory=dict)
    children: list[Folder] = field(default_factory=list)
    log: ChangeLog = field(default_factory=ChangeLog)
    unread: int = 0
    created_seq: int = 0
    deleted_seq: int | None = None

    def live_children(self) -> list[Folder]:
        return [child for child in self.children if child.alive]


class Mailbox:
    def __init__(self, address: str) -> None:
        self.address = address.lower()
        self.lock = threading.RLock()
        self.folders: dict[int, Folder] = {}
        self.items: dict[int, Item] = {}  # every item ever made, so a later page can still render it
        self.moved_to: dict[int, int] = {}  # origin uid -> the uid its item has now, after moves
        self.distinguished: dict[str, Folder] = {}
        self.hierarchy = ChangeLog()
        # Bumped by invalidate_sync_states(): older states are refused. Random, so that the tokens of
        # an earlier mailbox model that was not kept (persist.py) never fit this one.
        self.epoch = secrets.randbelow(2**31)
        self.head = 0  # the last change's seq
        self.next_item = 0
        # persist.py: writes this mailbox; saved_seq is the head it last wrote
        self.saver: Callable[[Mailbox], None] | None = None
        self.saved_seq = -1
        root = self._new_folder("", None, "root", folder_class=None)
        top = self._new_folder("Top of Information Store", root, "msgfolderroot", folder_class=None)
        for distinguished, name in STANDARD_FOLDERS:
            self._new_folder(name, top, distinguished)
        for distinguished, name, folder_class in OTHER_FOLDERS:
            self._new_folder(name, top, distinguished, folder_class)
        # The dumpster, outside the IPM subtree (MS-OXOSFLD "Recoverable Items"): what a user
        # deletes from Deleted Items goes to its Deletions folder.
        recoverable = self._new_folder("Recoverable Items", root, "recoverableitemsroot", folder_class=None)
        self._new_folder("Deletions", recoverable, "recoverableitemsdeletions")

    @property
    def root(self) -> Folder:
        return self.distinguished["root"]

    def checkpoint(self) -> None:
        """Called before a token is sealed: a token may name only change log positions that a
        restarted emulator will still have (persist.py)."""
        if self.saver is not None and self.saved_seq != self.head:
            self.saver(self)

    def _next_seq(self) -> int:
        self.head += 1
        return self.head

    def _new_folder(
        self,
        name: str,
        parent: Folder | None,
        distinguished: str | None = None,
        folder_class: str | None = "IPF.Note",
    ) -> Folder:
        folder = Folder(len(self.folders) + 1, name, parent, distinguished, folder_class)
        self.folders[folder.uid] = folder
        if distinguished:
            self.distinguished[distinguished] = folder
        if parent is not None:
            parent.children.append(folder)
            parent.version += 1
        folder.created_seq = self._next_seq()
        self.hierarchy.append(Entry(folder.created_seq, folder.uid, CREATE))
        return folder

    # Folders ---------------------------------------------------------------------------------
    def folder_at(self, path: str, create: bool = False) -> Folder:
        """`Inbox/Projects` -> that folder; the first part may name a distinguished folder."""
        folder = self.distinguished["msgfolderroot"]
        for part in [p for p in path.replace("\\", "/").split("/") if p]:
            match = next((c for c in folder.live_children() if c.name.lower() == part.lower()), None)
            key = part.lower().replace(" ", "")
            if match is None and folder.distinguished == "msgfolderroot" and key in _STANDARD_IDS:
                match = self.distinguished[key]
            if match is None:
                if not create:
                    raise KeyError(f"no folder {path!r} in {self.address}")
                match = self._new_folder(part, folder)
            folder = match
        return folder

    def rename_folder(self, folder: Folder, name: str) -> None:
        folder.name, folder.version = name, folder.version + 1
        self.hierarchy.append(Entry(self._next_seq(), folder.uid, UPDATE))

    def delete_folder(self, folder: Folder) -> None:
        for child in folder.live_children():
            self.delete_folder(child)
        for item in list(folder.items.values()):
            self.delete_item(item)
        folder.alive, folder.deleted_seq = False, self._next_seq()
        if folder.parent is not None:
            folder.parent.version += 1
        self.hierarchy.append(Entry(folder.deleted_seq, folder.uid, DELETE))

    def subtree(self, folder: Folder) -> Iterator[Folder]:
        """Live descendants, depth first (the order FindFolder Deep returns)."""
        for child in folder.live_children():
            yield child
            yield from self.subtree(child)

    @staticmethod
    def is_under(folder: Folder, ancestor: Folder) -> bool:
        parent = folder.parent
        while parent is not None:
            if parent is ancestor:
                return True
            parent = parent.parent
        return False

    # Items -----------------------------------------------------------------------------------
    def add_item(self, folder: Folder, source: MimeSource, received: datetime, is_read: bool = False) -> Item:
        self.next_item += 1
        item = Item(self.next_item, folder, source, received, is_read)
        self.items[item.uid] = item
        folder.items[item.uid] = item
        folder.unread += not is_read
        item.created_seq = self._next_seq()
        folder.log.append(Entry(item.created_seq, item.uid, CREATE))
        return item

    def delete_item(self, item: Item) -> None:
        folder = item.folder
        del folder.items[item.uid]
        folder.unread -= not item.is_read
        item.alive, item.deleted_seq = False, self._next_seq()
        folder.log.append(Entry(item.deleted_seq, item.uid, DELETE))

    def move_item(self, item: Item, target: Folder) -> Item:
        """A move is a delete here and a create there, under a new ItemId (classic EWS ids)."""
        self.delete_item(item)
        moved = self.add_item(target, item.source, item.received, item.is_read)
        moved.origin = item.origin or item.uid
        self.moved_to[moved.origin] = moved.uid
        return moved

    def set_read(self, item: Item, is_read: bool) -> None:
        if item.is_read == is_read:
            return
        item.folder.unread += -1 if is_read else 1
        item.is_read, item.version = is_read, item.version + 1
        item.folder.log.append(Entry(self._next_seq(), item.uid, READ_FLAG, is_read))

    def update_item(self, item: Item, source: MimeSource) -> None:
        item.source, item.version = source, item.version + 1
        item.folder.log.append(Entry(self._next_seq(), item.uid, UPDATE))

    def item_life(self, uid: int) -> tuple[int, int | None]:
        item = self.items[uid]
        return item.created_seq, item.deleted_seq

    def folder_life(self, uid: int) -> tuple[int, int | None]:
        folder = self.folders[uid]
        return folder.created_seq, folder.deleted_seq

    def live_item(self, uid: int) -> Item | None:
        item = self.items.get(uid)
        return item if item is not None and item.alive else None
