"""Folder renames and moves re-path the comments that live in them, at no AI-unit cost (issue 19).

A renamed folder (EWS SyncFolderHierarchy Update, Graph mailFolders/delta) keeps its id, and so
its checkpoint, but the folder listing now gives it another path; a folder moved under another
parent does the same, and so does each of its subfolders, whose paths all change with it. The
checkpoint remembers the path it was written under (Checkpoint.folder_path), so a folder whose
listed path differs from its checkpoint's has moved. Its items did not change, so its sync token
would report nothing: the folder is read again from the start instead. Every email in it is
then known (the comment exists, the text is the same) and arrives in a folder other than its
comment's, which record() writes as a move: `string:Folder` changes, no AI unit is charged.

The price is one full read of the moved folder, paid once: the new path is stored with the first
checkpoint written. The comment index has no query by folder, which a cheaper re-path (one
update per comment, no download) would need.
"""

from __future__ import annotations

from commsync.observability import logger
from commsync.ports import FolderRef


def moved(stored_path: str | None, folder: FolderRef) -> bool:
    """Whether the folder's checkpoint was written under another path than the listing gives."""
    if stored_path is None or stored_path == folder.path or not stored_path:
        return False
    logger.info(
        "folder renamed or moved; reading it again to re-path its comments",
        extra={"folder_id": folder.id[:40], "was": stored_path, "now": folder.path},
    )
    return True
