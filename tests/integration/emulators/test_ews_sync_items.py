"""SyncFolderItems page by page, as the EWS source drives it: paging, incremental changes, bad states."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from exchangelib.errors import ErrorInvalidSyncStateData, ErrorSchemaValidation
from exchangelib.properties import ItemId

from tests.integration.emulators.test_ews_support import ANN, serve, sync_page, write_mailboxes
from tests.support.mail import email_bytes

pytestmark = pytest.mark.integration


def test_a_large_folder_arrives_in_pages_oldest_first_and_any_page_state_resumes(tmp_path: Path) -> None:
    # GIVEN 1,000 emails in Ann's inbox
    write_mailboxes(tmp_path, inbox=1000)
    with serve(tmp_path) as served:
        account = served.account()
        inbox = account.inbox

        # WHEN the folder is synced 128 changes at a time
        seen, states, done, state = [], [], False, None
        while not done:
            changes, state, done = sync_page(account, inbox, state, 128)
            assert len(changes) == (128 if not done else 1000 % 128)
            seen += [item.message_id for kind, item in changes if kind == "create"]
            states.append(state)

        # THEN every email came once, oldest first, over 8 pages
        assert seen == [f"<order-{n}@northwind.example>" for n in range(1000)]
        assert len(states) == 8 and len(set(states)) == 8
        # AND the state after page 3 resumes exactly at email 384 (a crash-safe checkpoint)
        resumed, _, _ = sync_page(account, inbox, states[2], 5)
        assert resumed[0][1].message_id == "<order-384@northwind.example>"
        # AND the last state has nothing more to say
        assert sync_page(account, inbox, states[-1], 512)[0] == []


def test_incremental_sync_reports_adds_moves_deletes_and_read_flags(tmp_path: Path) -> None:
    # GIVEN a fully synced inbox with three emails
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account, store = served.account(), served.emulator.store
        _, state, _ = sync_page(account, account.inbox, None, 512)
        moved, deleted, read = store.items(ANN, "Inbox")

        # WHEN, while the server runs, mail arrives, one email moves, one is deleted, one is read
        new_id = store.add(ANN, "Inbox", email_bytes(42))
        moved_to = store.move(ANN, moved.id, "Archive")
        store.delete(ANN, deleted.id)
        store.set_read(ANN, read.id, True)
        changes, _, done = sync_page(account, account.inbox, state, 512, ("message_id", "is_read"))

        # THEN the inbox reports exactly those changes
        by_kind = {(kind, getattr(item, "id", None) or item[0].id) for kind, item in changes}
        assert by_kind == {
            ("create", new_id),
            ("delete", moved.id),
            ("delete", deleted.id),
            ("read_flag_change", read.id),
        }
        flag = next(item for kind, item in changes if kind == "read_flag_change")
        assert flag[1] is True and flag[0].changekey != read.change_key  # the ChangeKey moves on
        assert done
        # AND the moved email appears in Archive as a create under a new ItemId, same Message-ID
        archived, _, _ = sync_page(account, account.msg_folder_root / "Archive", None, 512)
        [(kind, item)] = archived
        assert kind == "create" and item.id == moved_to != moved.id and item.message_id == moved.message_id


def test_changes_since_a_state_are_coalesced_per_item(tmp_path: Path) -> None:
    # GIVEN a synced inbox
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account, store = served.account(), served.emulator.store
        _, state, _ = sync_page(account, account.inbox, None, 512)
        first, second, third = store.items(ANN, "Inbox")

        # WHEN an email is added then edited, another added then deleted, an old one read then
        # deleted, and another edited then read
        kept = store.add(ANN, "Inbox", email_bytes(50))
        store.update(ANN, kept, email_bytes(51))
        store.delete(ANN, store.add(ANN, "Inbox", email_bytes(52)))
        store.set_read(ANN, first.id, True)
        store.delete(ANN, first.id)
        store.update(ANN, second.id, email_bytes(53))
        store.set_read(ANN, second.id, True)
        changes, _, _ = sync_page(account, account.inbox, state, 512, ("message_id", "is_read"))

        # THEN create+update is a create (current content), create+delete nothing, read+delete a delete,
        # update+read an update; the untouched email is absent
        summary = [(kind, item.id if kind != "read_flag_change" else item[0].id) for kind, item in changes]
        assert summary == [("create", kept), ("delete", first.id), ("update", second.id)]
        assert changes[0][1].message_id == "<order-51@northwind.example>" and changes[2][1].is_read is True
        assert third.id not in {item_id for _, item_id in summary}


def test_invalidated_garbage_tampered_and_foreign_states_are_invalid_sync_state_data(tmp_path: Path) -> None:
    # GIVEN a valid inbox state and a valid Sent Items state
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account = served.account()
        _, inbox_state, _ = sync_page(account, account.inbox, None, 10)
        _, sent_state, _ = sync_page(account, account.sent, None, 10)
        raw = bytearray(base64.b64decode(inbox_state))
        raw[-20] ^= 0x01
        tampered = base64.b64encode(bytes(raw)).decode()

        # WHEN states that are not this folder's are presented
        # THEN each is refused with the error a real server gives
        for bad in ("not base64 at all", base64.b64encode(b"H4sIAAAAA").decode(), tampered, sent_state):
            with pytest.raises(ErrorInvalidSyncStateData):
                sync_page(account, account.inbox, bad, 10)
        # AND after invalidation even the genuine state is refused, while a fresh sync works
        served.emulator.store.invalidate_sync_states(ANN)
        with pytest.raises(ErrorInvalidSyncStateData):
            sync_page(account, account.inbox, inbox_state, 10)
        assert len(sync_page(account, account.inbox, None, 10)[0]) == 3


def test_max_changes_returned_beyond_512_is_a_schema_error_and_ignore_skips_items(tmp_path: Path) -> None:
    # GIVEN an inbox of three emails
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account = served.account()
        first = served.emulator.store.items(ANN, "Inbox")[0]

        # WHEN a page of 513 is asked for, THEN the server refuses it (MS-OXWSSYNC: 1..512)
        with pytest.raises(ErrorSchemaValidation):
            sync_page(account, account.inbox, None, 513)
        # AND an item listed in Ignore is left out of the changes
        items = list(account.inbox.sync_items(only_fields=["message_id"], ignore=[ItemId(first.id)]))
        assert [item.id for _, item in items if item.id == first.id] == [] and len(items) == 2
