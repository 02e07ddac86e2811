"""A folder moved under another parent (issue 19): its id stays, its path and its subfolders'
change. EWS reports it as an Update in SyncFolderHierarchy (MS-OXWSSYNC 3.1.4.1), as a rename;
Graph's mailFolders/delta reports it with its new parentFolderId. Both emulators serve the same
mailbox model, so one function moves it for either.
"""

from __future__ import annotations

from emulators.ews.changes import UPDATE, Entry
from emulators.ews.mailbox import Mailbox


def move_folder(box: Mailbox, path: str, new_parent_path: str) -> None:
    """Move the folder at `path` (with everything in it) under the folder at `new_parent_path`."""
    with box.lock:
        folder, parent = box.folder_at(path), box.folder_at(new_parent_path)
        if folder.distinguished or folder.parent is None:
            raise ValueError(f"{path!r} is a distinguished folder and cannot be moved")
        if parent is folder or parent in box.subtree(folder):
            raise ValueError(f"{path!r} cannot move under itself")
        old = folder.parent
        old.children.remove(folder)
        old.version += 1
        parent.children.append(folder)
        parent.version += 1
        folder.parent, folder.version = parent, folder.version + 1
        # The same sequence a rename takes (Mailbox.rename_folder): one hierarchy change.
        box.hierarchy.append(Entry(box._next_seq(), folder.uid, UPDATE))
