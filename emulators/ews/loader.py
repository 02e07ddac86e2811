"""Load `DIR/<mailbox address>/<Folder>[/<Subfolder>...]/<name>.eml` into mailboxes.

Only each file's header block is read (for the Date that orders a folder oldest first); bodies
stay on disk until GetItem asks for them. Each item records its file's size and mtime, which
persist.py keeps so that a restart can tell what changed in the directory meanwhile.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from emulators.ews.mailbox import Mailbox
from emulators.ews.mime import MimeSource


def load(data: Path) -> dict[str, Mailbox]:
    if not data.is_dir():
        raise FileNotFoundError(f"mail data directory not found: {data}")
    mailboxes: dict[str, Mailbox] = {}
    for entry in sorted(os.scandir(data), key=lambda e: e.name):
        if entry.is_dir() and "@" in entry.name:
            mailbox = Mailbox(entry.name)
            _load_mailbox(mailbox, Path(entry.path))
            mailboxes[mailbox.address] = mailbox
    return mailboxes


def _load_mailbox(mailbox: Mailbox, root: Path) -> None:
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        relative = Path(directory).relative_to(root).as_posix()
        if relative == ".":
            continue
        folder = mailbox.folder_at(relative, create=True)
        loaded: list[tuple[datetime, str, MimeSource]] = []
        for name in sorted(f for f in files if f.lower().endswith(".eml")):
            path = Path(directory, name)
            stat = path.stat()
            source = MimeSource(path=path, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
            received = source.sent() or datetime.fromtimestamp(stat.st_mtime, UTC)
            loaded.append((received, name, source))
        # Oldest first, as Exchange returns a folder's items on the first SyncFolderItems.
        for received, _, source in sorted(loaded, key=lambda row: (row[0], row[1])):
            mailbox.add_item(folder, source, received)
