"""Mailbox state kept under the data directory, so that a restarted emulator honours the SyncStates
and deltaLinks it issued before (issue 21: "persist what is needed under the data directory").

`<data>/.emulator-state/<kind>/<address>.json` holds one mailbox as its emulator last issued a
token on it: folder and item uids (the ids), versions (ChangeKeys), read flags, the change logs,
the epoch, and for each item its file's name, size and mtime. On start the emulator restores it
and compares those files with the directory as it is now (live_data.py), so what changed while it
was down becomes ordinary changes after the old tokens: adds, deletes, moves, renames. The
mailbox loader never reads this directory (it takes only `<address>` directories).

A mailbox is written before a token is sealed that covers changes not yet written, so no token
ever names a change log position the file lacks, even if the emulator is killed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from emulators.ews.changes import ChangeLog, Entry
from emulators.ews.mailbox import Folder, Item, Mailbox
from emulators.ews.mime import MimeSource

STATE_DIRECTORY = ".emulator-state"
_VERSION = 1


class MailState:
    """The state files of one emulator kind ("ews", "graph") on one data directory."""

    def __init__(self, data: Path, kind: str) -> None:
        self._data = data
        self._directory = data / STATE_DIRECTORY / kind
        self.failed: OSError | None = None  # a read-only data directory: tokens die with the process

    def restore(self) -> dict[str, Mailbox]:
        restored: dict[str, Mailbox] = {}
        for path in sorted(self._directory.glob("*.json")) if self._directory.is_dir() else ():
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
                if state.get("version") == _VERSION:
                    mailbox = _mailbox(state, self._data)
                    restored[mailbox.address] = mailbox
            except (ValueError, KeyError, TypeError, IndexError):
                continue  # a damaged file: that mailbox starts afresh, its old tokens are refused
        return restored

    def save(self, mailbox: Mailbox) -> None:
        """Write one mailbox (its caller holds mailbox.lock), atomically: write aside, rename over."""
        if self.failed is not None:
            return
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            target = self._directory / f"{mailbox.address}.json"
            aside = target.with_suffix(".tmp")
            aside.write_text(json.dumps(_state(mailbox, self._data), separators=(",", ":")), "utf-8")
            aside.replace(target)
        except OSError as exc:
            self.failed = exc
            return
        mailbox.saved_seq = mailbox.head


def _log(log: ChangeLog) -> list[list[Any]]:
    return [[e.seq, e.uid, e.kind, e.is_read] for e in log.entries]


def _restore_log(rows: list[list[Any]]) -> ChangeLog:
    log = ChangeLog()
    for seq, uid, kind, is_read in rows:
        log.append(Entry(int(seq), int(uid), str(kind), bool(is_read)))
    return log


def _state(mailbox: Mailbox, data: Path) -> dict[str, Any]:
    folders = [
        [
            f.uid,
            f.name,
            f.parent.uid if f.parent else None,
            f.distinguished,
            f.folder_class,
            f.version,
            f.alive,
            f.created_seq,
            f.deleted_seq,
            _log(f.log),
        ]
        for f in mailbox.folders.values()
    ]
    items = [
        [
            i.uid,
            i.folder.uid,
            _relative(i.source.path, data),
            i.source.size,
            i.source.mtime_ns,
            i.received.isoformat(),
            i.is_read,
            i.version,
            i.alive,
            i.created_seq,
            i.deleted_seq,
            i.origin,
        ]
        for i in mailbox.items.values()
    ]
    return {
        "version": _VERSION,
        "address": mailbox.address,
        "epoch": mailbox.epoch,
        "head": mailbox.head,
        "next_item": mailbox.next_item,
        "hierarchy": _log(mailbox.hierarchy),
        "folders": folders,
        "items": items,
    }


def _relative(path: Path | None, data: Path) -> str | None:
    return None if path is None else path.relative_to(data).as_posix()


def _mailbox(state: dict[str, Any], data: Path) -> Mailbox:
    mailbox = Mailbox(state["address"])
    mailbox.folders, mailbox.items, mailbox.distinguished = {}, {}, {}
    for uid, name, parent, distinguished, folder_class, version, alive, created, deleted, log in state[
        "folders"
    ]:
        folder = Folder(uid, name, mailbox.folders[parent] if parent else None, distinguished, folder_class)
        folder.version, folder.alive, folder.created_seq, folder.deleted_seq = (
            version,
            alive,
            created,
            deleted,
        )
        folder.log = _restore_log(log)
        mailbox.folders[uid] = folder
        if distinguished:
            mailbox.distinguished[distinguished] = folder
        if folder.parent is not None:
            folder.parent.children.append(folder)
    for row in state["items"]:
        uid, folder_uid, path, size, mtime_ns, received = row[:6]
        is_read, version, alive, created, deleted, origin = row[6:]
        source = MimeSource(path=data / path, size=size, mtime_ns=mtime_ns) if path else MimeSource(data=b"")
        item = Item(uid, mailbox.folders[folder_uid], source, datetime.fromisoformat(received), is_read)
        item.version, item.alive, item.created_seq, item.deleted_seq = version, alive, created, deleted
        item.origin = origin
        mailbox.items[uid] = item
        if origin:
            mailbox.moved_to[origin] = uid
        if alive:
            item.folder.items[uid] = item
            item.folder.unread += not is_read
    mailbox.hierarchy = _restore_log(state["hierarchy"])
    mailbox.epoch, mailbox.head, mailbox.next_item = state["epoch"], state["head"], state["next_item"]
    mailbox.saved_seq = mailbox.head
    for item in [i for i in mailbox.items.values() if i.alive and i.source.path is None]:
        mailbox.delete_item(item)  # delivered through the test API, not a file: gone with the process
    return mailbox
