"""The data directory, live: files added, moved, replaced and deleted, and folders added, renamed
and removed while the emulator runs are seen by the next request (issue 21).

Each request first compares the modification times of the directories (cheap: there are few)
with the last look; only a directory whose entry list changed is listed again. What changed
becomes the mailbox's own changes (mailbox.py), so a SyncState or delta token taken before
sees them after, as on a real server:

- a new `.eml` file: a new item; a file gone: the item deleted;
- a file gone from one folder and one of the same name and size come in another: a move;
- a file replaced under its name (written aside and renamed over, as mail tools write): an update;
- a new directory: a folder; a directory gone whose files all came back under one new
  directory of the same parent: a rename; else the folder is deleted.

An edit in place that keeps the directory's entries is not seen: write the new version aside and
rename it over the old one. SyncStates stay valid across changes made while the emulator runs,
and across a restart: persist.py keeps the mailboxes, and the first refresh() after a restart
reports what changed in the directory while the emulator was down.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from emulators.ews.mailbox import Folder, Item, Mailbox
from emulators.ews.mime import MimeSource

MailboxOf = Callable[[str], Mailbox]  # the mailbox of an address, created when new
_SETTLE_NS = 2_000_000_000


@dataclass(frozen=True)
class _File:
    size: int
    mtime_ns: int


class LiveDirectory:
    def __init__(
        self, data: Path, mailbox_of: MailboxOf, mailboxes: list[Mailbox], restored: bool = False
    ) -> None:
        """`restored`: the mailboxes come from persist.py, not from this directory as it is now; the
        first refresh() then reports every difference between their files and the directory's."""
        self._data, self._mailbox_of = data, mailbox_of
        self._root = str(data)
        self._lock = threading.Lock()
        self._children: dict[str, list[str]] = {}
        self._settled = 0
        self._dirs: dict[str, int] = {}
        self._dirs = self._directories()
        self._files = {d: self._listing(d) for d in self._dirs}
        self._items: dict[tuple[str, str], Item] = {}  # (directory, file name) -> its item
        for mailbox in mailboxes:
            for item in mailbox.items.values():
                path = item.source.path
                if item.alive and path is not None:
                    self._items[(path.parent.relative_to(data).as_posix(), path.name)] = item
        if restored:
            self._files = _files_of(self._items)
            # An impossible mtime: every directory the mailboxes knew is listed and compared again.
            folders = {d for m in mailboxes for d in _folder_directories(m, self._dirs)}
            self._dirs = dict.fromkeys({*self._files, *folders, *(m.address for m in mailboxes)}, -1)

    def refresh(self) -> None:
        with self._lock:
            dirs = self._directories()
            changed = sorted(
                d for d in dirs.keys() | self._dirs.keys() if d not in dirs or self._unsure(d, dirs[d])
            )
            if not changed:
                return
            gone, came = self._diff(changed, dirs)
            self._apply(
                gone, came, [d for d in self._dirs if d not in dirs], [d for d in dirs if d not in self._dirs]
            )
            self._dirs = dirs

    def _directories(self) -> dict[str, int]:
        """Every directory's mtime: one stat each; only a changed one is listed for subdirectories,
        so a request costs O(directories), not O(files)."""
        found: dict[str, int] = {}
        self._settled = time.time_ns() - _SETTLE_NS
        stack = sorted(e.name for e in os.scandir(self._data) if e.is_dir() and "@" in e.name)
        while stack:
            directory = stack.pop()
            path = f"{self._root}/{directory}"
            try:
                # os.stat on a str: pathlib's join costs more than the stat itself, per request.
                mtime = os.stat(path).st_mtime_ns  # noqa: PTH116
            except FileNotFoundError:
                continue
            found[directory] = mtime
            if directory not in self._children or self._unsure(directory, mtime):
                self._children[directory] = sorted(e.name for e in os.scandir(path) if e.is_dir())
            stack.extend(f"{directory}/{name}" for name in self._children[directory])
        return found

    def _unsure(self, directory: str, mtime: int) -> bool:
        # A directory changed within the file system's timestamp granularity of the last look may
        # change again without its mtime moving: look at it again until its mtime is settled.
        return self._dirs.get(directory) != mtime or mtime > self._settled

    def _listing(self, directory: str) -> dict[str, _File]:
        listed: dict[str, _File] = {}
        path = self._data / directory
        for entry in os.scandir(path) if path.is_dir() else ():
            if entry.is_file() and entry.name.lower().endswith(".eml"):
                stat = entry.stat()
                listed[entry.name] = _File(stat.st_size, stat.st_mtime_ns)
        return listed

    def _diff(
        self, changed: list[str], dirs: dict[str, int]
    ) -> tuple[dict[tuple[str, str], _File], dict[tuple[str, str], _File]]:
        """(files gone, files come) in the changed directories; a replaced file is both."""
        gone: dict[tuple[str, str], _File] = {}
        came: dict[tuple[str, str], _File] = {}
        for directory in changed:
            before = self._files.pop(directory, {})
            after = self._listing(directory) if directory in dirs else {}
            if directory in dirs:
                self._files[directory] = after
            for name, seen in before.items():
                if after.get(name) != seen:
                    gone[(directory, name)] = seen
            for name, seen in after.items():
                if before.get(name) != seen:
                    came[(directory, name)] = seen
        return gone, came

    def _apply(
        self,
        gone: dict[tuple[str, str], _File],
        came: dict[tuple[str, str], _File],
        removed_dirs: list[str],
        new_dirs: list[str],
    ) -> None:
        renamed = self._renames(removed_dirs, new_dirs, gone, came)
        for old, new in renamed.items():
            self._rename(old, new, gone, came)
        for directory in new_dirs:
            if directory not in renamed.values() and "/" in directory:
                self._folder(directory)
        for key in sorted(came, key=lambda k: (k[1], k[0])):
            self._arrive(key, came[key], gone)
        for key in list(gone):
            item = self._items.pop(key, None)
            if item is not None and item.alive:
                mailbox = self._mailbox_of(key[0].split("/")[0])
                with mailbox.lock:
                    mailbox.delete_item(item)
        for directory in sorted(removed_dirs, key=len):
            if directory not in renamed and "/" in directory:
                self._drop_folder(directory)

    def _renames(
        self,
        removed: list[str],
        new: list[str],
        gone: dict[tuple[str, str], _File],
        came: dict[tuple[str, str], _File],
    ) -> dict[str, str]:
        """A removed directory whose files all reappear under one new sibling directory."""
        renames: dict[str, str] = {}
        for old in removed:
            files = {(name, f.size) for (d, name), f in gone.items() if d == old}
            for candidate in new:
                same_parent = candidate.rsplit("/", 1)[0] == old.rsplit("/", 1)[0]
                moved = {(name, f.size) for (d, name), f in came.items() if d == candidate}
                if same_parent and candidate not in renames.values() and moved == files:
                    renames[old] = candidate
                    break
        return renames

    def _rename(
        self, old: str, new: str, gone: dict[tuple[str, str], _File], came: dict[tuple[str, str], _File]
    ) -> None:
        mailbox = self._mailbox_of(old.split("/")[0])
        with mailbox.lock:
            folder = mailbox.folder_at(old.split("/", 1)[1])
            mailbox.rename_folder(folder, new.rsplit("/", 1)[1])
        for directory, name in [k for k in gone if k[0] == old]:
            item = self._items.pop((directory, name))
            gone.pop((directory, name))
            came.pop((new, name), None)
            item.source = MimeSource(
                path=self._data / new / name, size=item.source.size, mtime_ns=item.source.mtime_ns
            )
            self._items[(new, name)] = item

    def _folder(self, directory: str) -> tuple[Mailbox, Folder]:
        address, _, path = directory.partition("/")
        mailbox = self._mailbox_of(address)
        with mailbox.lock:
            return mailbox, mailbox.folder_at(path, create=True)

    def _arrive(self, key: tuple[str, str], seen: _File, gone: dict[tuple[str, str], _File]) -> None:
        directory, name = key
        mailbox, folder = self._folder(directory)
        source = MimeSource(path=self._data / directory / name, size=seen.size, mtime_ns=seen.mtime_ns)
        replaced = self._items.get(key) if key in gone else None
        moved_from = next(
            (k for k, f in gone.items() if k[1] == name and k[0] != directory and f.size == seen.size), None
        )
        with mailbox.lock:
            if replaced is not None and replaced.alive:
                gone.pop(key)
                mailbox.update_item(replaced, source)
                return
            if moved_from is not None and moved_from in self._items and self._items[moved_from].alive:
                gone.pop(moved_from)
                item = mailbox.move_item(self._items.pop(moved_from), folder)
                item.source = source
            else:
                received = source.sent() or datetime.fromtimestamp(seen.mtime_ns / 1e9, UTC)
                item = mailbox.add_item(folder, source, received)
        self._items[key] = item

    def _drop_folder(self, directory: str) -> None:
        address, _, path = directory.partition("/")
        mailbox = self._mailbox_of(address)
        with mailbox.lock:
            try:
                folder = mailbox.folder_at(path)
            except KeyError:
                return
            if folder.alive and not folder.distinguished:
                mailbox.delete_folder(folder)


def _files_of(items: dict[tuple[str, str], Item]) -> dict[str, dict[str, _File]]:
    """The directory listings the persisted items were made from."""
    files: dict[str, dict[str, _File]] = {}
    for (directory, name), item in items.items():
        files.setdefault(directory, {})[name] = _File(item.source.size, item.source.mtime_ns or -1)
    return files


def _folder_directories(mailbox: Mailbox, current: dict[str, int]) -> list[str]:
    """The directory of each live folder of a restored mailbox: the one of today's directories that
    names it (folder names match case-insensitively, `inbox` is the Inbox), else, for a folder
    whose directory is gone, its name under its parent's, so a rename is still seen as one."""
    found: dict[int, str] = {}
    for directory in sorted(d for d in current if d.split("/", 1)[0] == mailbox.address and "/" in d):
        try:
            found.setdefault(mailbox.folder_at(directory.split("/", 1)[1]).uid, directory)
        except KeyError:
            continue

    def directory_of(folder: Folder) -> str:
        if folder.uid not in found:
            parent = folder.parent
            if parent is None or parent.distinguished == "msgfolderroot":
                found[folder.uid] = f"{mailbox.address}/{folder.name}"
            else:
                found[folder.uid] = f"{directory_of(parent)}/{folder.name}"
        return found[folder.uid]

    top = mailbox.distinguished["msgfolderroot"]
    return [directory_of(f) for f in mailbox.subtree(top)]
