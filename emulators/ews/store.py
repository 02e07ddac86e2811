"""The emulator's mail store and the API tests use to change mailboxes while the server runs."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from emulators.ews import ids
from emulators.ews.mailbox import Folder, Item, Mailbox
from emulators.ews.mime import MimeSource
from emulators.ews.soap import EwsError
from emulators.ews.syncstate import SyncStates


@dataclass(frozen=True)
class ItemInfo:
    id: str
    change_key: str
    folder: str
    message_id: str | None
    subject: str | None
    is_read: bool
    received: datetime


def folder_path(folder: Folder) -> str:
    parts: list[str] = []
    while folder.parent is not None and folder.distinguished != "msgfolderroot":
        parts.append(folder.name)
        folder = folder.parent
    return "/".join(reversed(parts))


class MailStore:
    """Mailboxes by address (case-insensitive). Each method takes that mailbox's lock."""

    def __init__(self, mailboxes: dict[str, Mailbox], states: SyncStates) -> None:
        self._mailboxes = mailboxes
        self._lock = threading.Lock()
        self.states = states

    def mailbox(self, address: str) -> Mailbox | None:
        with self._lock:
            return self._mailboxes.get(address.lower())

    def addresses(self) -> list[str]:
        with self._lock:
            return sorted(self._mailboxes)

    def add_mailbox(self, address: str) -> None:
        with self._lock:
            self._mailboxes.setdefault(address.lower(), Mailbox(address))

    def _get(self, address: str) -> Mailbox:
        mailbox = self.mailbox(address)
        if mailbox is None:
            raise KeyError(f"no mailbox {address!r}")
        return mailbox

    def _item(self, mailbox: Mailbox, item_id: str) -> Item:
        try:
            decoded = ids.decode(item_id, "item")
        except EwsError as exc:
            raise KeyError(f"malformed item id {item_id!r}") from exc
        item = mailbox.live_item(decoded.item)
        if item is None or decoded.mailbox != mailbox.address or decoded.folder != item.folder.uid:
            raise KeyError(f"no item {item_id!r} in {mailbox.address}")
        return item

    def add(self, mailbox: str, folder_path: str, mime: bytes) -> str:
        """Deliver an email into a folder (created if missing); returns its ItemId."""
        box = self._get(mailbox)
        with box.lock:
            source = MimeSource(data=mime)
            item = box.add_item(box.folder_at(folder_path, create=True), source, datetime.now(UTC))
            return ids.item_id(box.address, item.folder.uid, item.uid)

    def move(self, mailbox: str, item_id: str, folder_path: str) -> str:
        box = self._get(mailbox)
        with box.lock:
            moved = box.move_item(self._item(box, item_id), box.folder_at(folder_path, create=True))
            return ids.item_id(box.address, moved.folder.uid, moved.uid)

    def delete(self, mailbox: str, item_id: str) -> None:
        box = self._get(mailbox)
        with box.lock:
            box.delete_item(self._item(box, item_id))

    def set_read(self, mailbox: str, item_id: str, is_read: bool) -> None:
        box = self._get(mailbox)
        with box.lock:
            box.set_read(self._item(box, item_id), is_read)

    def break_mime(self, mailbox: str, item_id: str) -> None:
        """From now on GetItem answers ErrorMimeContentConversionFailed for this item's MimeContent."""
        box = self._get(mailbox)
        with box.lock:
            self._item(box, item_id).mime_fails = True

    def update(self, mailbox: str, item_id: str, mime: bytes) -> None:
        """Replace an item's content in place: same ItemId, new ChangeKey, an Update in SyncFolderItems."""
        box = self._get(mailbox)
        with box.lock:
            box.update_item(self._item(box, item_id), MimeSource(data=mime))

    def add_folder(self, mailbox: str, folder_path: str) -> str:
        box = self._get(mailbox)
        with box.lock:
            return ids.folder_id(box.address, box.folder_at(folder_path, create=True).uid)

    def rename_folder(self, mailbox: str, folder_path: str, new_name: str) -> None:
        box = self._get(mailbox)
        with box.lock:
            box.rename_folder(box.folder_at(folder_path), new_name)

    def delete_folder(self, mailbox: str, folder_path: str) -> None:
        box = self._get(mailbox)
        with box.lock:
            folder = box.folder_at(folder_path)
            if folder.distinguished:
                raise ValueError(f"{folder_path!r} is a distinguished folder and cannot be deleted")
            box.delete_folder(folder)

    def items(self, mailbox: str, folder_path: str) -> list[ItemInfo]:
        """The folder's items, oldest first."""
        box = self._get(mailbox)
        with box.lock:
            folder = box.folder_at(folder_path)
            return [
                ItemInfo(
                    id=ids.item_id(box.address, folder.uid, item.uid),
                    change_key=ids.change_key(item.uid, item.version),
                    folder=folder_path_of(item),
                    message_id=item.source.header("Message-ID"),
                    subject=item.source.header("Subject"),
                    is_read=item.is_read,
                    received=item.received,
                )
                for item in folder.items.values()
            ]

    def invalidate_sync_states(self, mailbox: str) -> None:
        """Every SyncState issued for this mailbox so far now gets ErrorInvalidSyncStateData."""
        box = self._get(mailbox)
        with box.lock:
            box.epoch, box.saved_seq = (box.epoch + 1) % 2**31, -1
            box.checkpoint()  # a restart must not bring the refused states back


def folder_path_of(item: Item) -> str:
    return folder_path(item.folder)
