"""The Graph emulator's mailboxes, and the API tests use to change them while the server runs.

The folder tree, items and change logs are the EWS emulator's (`emulators.ews.mailbox`), loaded
from the same data directory by the same loader, so both emulators serve the same mailbox.
What Graph adds is the immutable id: minted once per message and carried across moves, while
the EWS model (like Exchange underneath) re-creates a moved item under a new uid.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulators.ews.mailbox import Folder, Item, Mailbox
from emulators.ews.mime import MimeSource
from emulators.ews.store import folder_path
from emulators.graph import ids


@dataclass
class GraphMailbox:
    box: Mailbox
    # item uid <-> immutable number; a move maps the new uid to the old number
    immutable_of: dict[int, int] = field(default_factory=dict)
    uid_of: dict[int, int] = field(default_factory=dict)
    # immutable number -> referenceAttachments (references.py); `.eml` files cannot carry them
    references: dict[int, list[Any]] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return self.box.address

    def immutable(self, item: Item) -> int:
        """The item's first uid, kept through moves: loading the same data directory gives the
        same uids, so an immutable id is the same after a restart, as Graph's are."""
        number = self.immutable_of.get(item.uid)
        if number is None:
            number = item.origin or item.uid  # a file moved between directories keeps its id too
            self.immutable_of[item.uid], self.uid_of[number] = number, item.uid
        return number

    def message_id(self, item: Item, immutable: bool) -> str:
        if immutable:
            return ids.encode(ids.IMMUTABLE, self.address, self.immutable(item))
        return ids.encode(ids.REST, self.address, item.folder.uid, item.uid)

    def item(self, message_id: str) -> Item | None:
        """The live item a REST or immutable id names, else None."""
        decoded = ids.decode(message_id)
        if decoded is None or decoded.mailbox != self.address:
            return None
        if decoded.kind == ids.IMMUTABLE:
            # An item never moved is still under its first uid, the immutable number itself.
            number = decoded.first
            return self.box.live_item(self.uid_of.get(number) or self.box.moved_to.get(number, number))
        if decoded.kind == ids.REST:
            item = self.box.live_item(decoded.second)
            return item if item is not None and item.folder.uid == decoded.first else None
        return None

    def folder_id(self, folder: Folder) -> str:
        return ids.encode(ids.FOLDER, self.address, folder.uid)

    def folder(self, folder_id: str) -> Folder | None:
        """A folder by id or by well-known name (inbox, sentitems, msgfolderroot, ...)."""
        known = self.box.distinguished.get(folder_id.lower())
        if known is not None and known.distinguished not in ("root", "recoverableitemsroot"):
            return known
        if folder_id.lower() == "archive":
            # The well-known name of the Archive folder that Outlook creates under the root.
            top = self.box.distinguished["msgfolderroot"]
            return next((f for f in top.live_children() if f.name.lower() == "archive"), None)
        decoded = ids.decode(folder_id)
        if decoded is None or decoded.kind != ids.FOLDER or decoded.mailbox != self.address:
            return None
        found = self.box.folders.get(decoded.first)
        return found if found is not None and found.alive else None


@dataclass(frozen=True)
class MessageInfo:
    id: str  # the immutable id
    folder: str
    internet_message_id: str | None
    subject: str | None
    received: datetime


class GraphStore:
    """Mailboxes by address (case-insensitive); each change takes that mailbox's lock."""

    def __init__(self, mailboxes: dict[str, Mailbox], generation: bytes) -> None:
        self._lock = threading.Lock()
        self._mailboxes = {address: GraphMailbox(box) for address, box in mailboxes.items()}
        self.generation = generation

    def mailbox(self, address: str) -> GraphMailbox | None:
        with self._lock:
            return self._mailboxes.get(address.lower())

    def mailbox_by_object_id(self, object_id: str) -> GraphMailbox | None:
        """The mailbox of the user whose directory object id (users.py) this is."""
        with self._lock:
            found = [m for m in self._mailboxes.values() if ids.object_id(m.address) == object_id.lower()]
        return found[0] if found else None

    def addresses(self) -> list[str]:
        with self._lock:
            return sorted(self._mailboxes)

    def add_mailbox(self, address: str) -> None:
        with self._lock:
            self._mailboxes.setdefault(address.lower(), GraphMailbox(Mailbox(address)))

    def _get(self, address: str) -> GraphMailbox:
        found = self.mailbox(address)
        if found is None:
            raise KeyError(f"no mailbox {address!r}")
        return found

    def _item(self, mailbox: GraphMailbox, message_id: str) -> Item:
        item = mailbox.item(message_id)
        if item is None:
            raise KeyError(f"no message {message_id!r} in {mailbox.address}")
        return item

    def add(self, mailbox: str, folder: str, mime: bytes, received: datetime | None = None) -> str:
        """Deliver an email into a folder (created if missing); returns its immutable id."""
        graph = self._get(mailbox)
        with graph.box.lock:
            target = graph.box.folder_at(folder, create=True)
            item = graph.box.add_item(target, MimeSource(data=mime), received or datetime.now(UTC))
            return graph.message_id(item, immutable=True)

    def move(self, mailbox: str, message_id: str, folder: str) -> str:
        """Move within the mailbox: the immutable id stays (returned), the REST id changes."""
        graph = self._get(mailbox)
        with graph.box.lock:
            item = self._item(graph, message_id)
            number = graph.immutable(item)
            moved = graph.box.move_item(item, graph.box.folder_at(folder, create=True))
            graph.immutable_of[moved.uid], graph.uid_of[number] = number, moved.uid
            return graph.message_id(moved, immutable=True)

    def delete(self, mailbox: str, message_id: str) -> None:
        graph = self._get(mailbox)
        with graph.box.lock:
            graph.box.delete_item(self._item(graph, message_id))

    def update(self, mailbox: str, message_id: str, mime: bytes) -> None:
        graph = self._get(mailbox)
        with graph.box.lock:
            graph.box.update_item(self._item(graph, message_id), MimeSource(data=mime))

    def set_read(self, mailbox: str, message_id: str, is_read: bool) -> None:
        graph = self._get(mailbox)
        with graph.box.lock:
            graph.box.set_read(self._item(graph, message_id), is_read)

    def add_folder(self, mailbox: str, path: str) -> str:
        graph = self._get(mailbox)
        with graph.box.lock:
            return graph.folder_id(graph.box.folder_at(path, create=True))

    def rename_folder(self, mailbox: str, path: str, name: str) -> None:
        graph = self._get(mailbox)
        with graph.box.lock:
            graph.box.rename_folder(graph.box.folder_at(path), name)

    def delete_folder(self, mailbox: str, path: str) -> None:
        graph = self._get(mailbox)
        with graph.box.lock:
            folder = graph.box.folder_at(path)
            if folder.distinguished:
                raise ValueError(f"{path!r} is a well-known folder and cannot be deleted")
            graph.box.delete_folder(folder)

    def messages(self, mailbox: str, folder: str) -> list[MessageInfo]:
        """The folder's messages, oldest first, by immutable id."""
        graph = self._get(mailbox)
        with graph.box.lock:
            found = graph.box.folder_at(folder)
            return [
                MessageInfo(
                    id=graph.message_id(item, immutable=True),
                    folder=folder_path(item.folder),
                    internet_message_id=item.source.header("Message-ID"),
                    subject=item.source.header("Subject"),
                    received=item.received,
                )
                for item in found.items.values()
            ]

    def invalidate_delta_tokens(self, mailbox: str) -> None:
        """Every delta and skip token issued for this mailbox so far now gets 410 syncStateNotFound."""
        graph = self._get(mailbox)
        with graph.box.lock:
            graph.box.epoch, graph.box.saved_seq = (graph.box.epoch + 1) % 2**31, -1
            graph.box.checkpoint()  # a restart must not bring the refused links back
