"""The folder tree: GetFolder, FindFolder (root.walk) and SyncFolderHierarchy through exchangelib."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchangelib.errors import ErrorInvalidSyncStateData
from exchangelib.folders import Inbox, MsgFolderRoot, SentItems

from tests.integration.emulators.test_ews_support import ANN, serve, write_mailboxes

pytestmark = pytest.mark.integration


def test_walk_returns_the_whole_tree_with_distinguished_classes_and_counts(tmp_path: Path) -> None:
    # GIVEN Ann with nested folders under the Inbox and an Archive folder
    write_mailboxes(tmp_path)
    (tmp_path / ANN / "Archive").mkdir()
    with serve(tmp_path) as served:
        account = served.account()

        # WHEN exchangelib maps the mailbox (31 distinguished ids at once, then FindFolder Deep)
        tree = {f.absolute: f for f in account.root.walk()}

        # THEN every folder is there, the distinguished ones with their classes and counts
        top = "/root/Top of Information Store"
        assert {f"{top}/Inbox/Projects/2024", f"{top}/Archive", f"{top}/Junk Email", f"{top}/Outbox"} <= set(
            tree
        )
        assert isinstance(tree[f"{top}/Inbox"], Inbox) and isinstance(tree[f"{top}/Sent Items"], SentItems)
        assert isinstance(account.msg_folder_root, MsgFolderRoot)
        assert tree[f"{top}/Inbox"].total_count == 3 and tree[f"{top}/Inbox"].unread_count == 3
        assert tree[f"{top}/Inbox"].child_folder_count == 1
        assert (account.inbox / "Projects" / "2024").total_count == 1


def test_sync_hierarchy_reports_created_renamed_and_deleted_folders(tmp_path: Path) -> None:
    # GIVEN a first full hierarchy sync of Ann's mailbox
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account = served.account()
        root = account.msg_folder_root
        first = {(kind, f.name) for kind, f in root.sync_hierarchy()}
        state = root.folder_sync_state
        assert ("create", "Inbox") in first and ("create", "2024") in first

        # WHEN a folder is added, one renamed, one deleted (with its subfolder), then synced again
        store = served.emulator.store
        store.add_folder(ANN, "Clients/Acme")
        store.rename_folder(ANN, "Sent Items", "Sent")
        deleted_id = (account.inbox / "Projects" / "2024").id
        store.delete_folder(ANN, "Inbox/Projects")
        changes = list(root.sync_hierarchy(sync_state=state))

        # THEN exactly those changes come back; deletes carry the FolderId
        named = {(kind, getattr(f, "name", None)) for kind, f in changes}
        assert {("create", "Clients"), ("create", "Acme"), ("update", "Sent")} <= named
        deleted = {f.id for kind, f in changes if kind == "delete"}
        assert deleted_id in deleted and len(deleted) == 2
        assert len(changes) == 5


def test_a_hierarchy_state_of_another_mailbox_is_invalid(tmp_path: Path) -> None:
    # GIVEN a hierarchy SyncState issued for Bob
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        bob_root = served.account("bob@contoso.example").msg_folder_root
        list(bob_root.sync_hierarchy())

        # WHEN it is replayed against Ann's mailbox
        ann_root = served.account().msg_folder_root
        with pytest.raises(ErrorInvalidSyncStateData):
            list(ann_root.sync_hierarchy(sync_state=bob_root.folder_sync_state))
