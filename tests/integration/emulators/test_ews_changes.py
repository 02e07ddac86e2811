"""The change log behind SyncFolderItems: any page size, any mix of changes, the client converges.

(No server here: it checks the mailbox model directly; it lives beside the other EWS emulator tests.)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulators.ews import changes
from emulators.ews.mailbox import Mailbox
from emulators.ews.mime import MimeSource

pytestmark = pytest.mark.integration

ACTIONS = st.lists(
    st.tuples(st.sampled_from(["add", "delete", "read", "unread", "update", "move"]), st.integers(0, 50)),
    max_size=60,
)


def _replay(
    mailbox: Mailbox, folder_path: str, cursor: changes.Cursor, size: int, view: dict[int, bool]
) -> changes.Cursor:
    """Apply pages to a client's view {uid: is_read} until the server says it is complete."""
    folder = mailbox.folder_at(folder_path)
    while True:
        page = changes.page(folder.log, cursor, size, mailbox.item_life)
        assert len(page.changes) <= size
        for change in page.changes:
            if change.kind == changes.DELETE:
                assert change.uid in view  # never a delete for an email the client was not given
                del view[change.uid]
            elif change.kind == changes.READ_FLAG:
                view[change.uid] = change.is_read
            else:
                assert (change.kind == changes.CREATE) == (change.uid not in view)
                assert mailbox.items[change.uid].alive  # never a create for an email already gone
                view[change.uid] = mailbox.items[change.uid].is_read
        cursor = page.cursor
        if page.includes_last:
            assert not cursor.horizons  # caught up: the state is small again
            return cursor


@settings(max_examples=150, deadline=None)
@given(initial=st.integers(0, 8), before=ACTIONS, after=ACTIONS, size=st.integers(1, 5))
def test_pages_of_any_size_bring_a_client_to_the_server_state(
    initial: int, before: list[tuple[str, int]], after: list[tuple[str, int]], size: int
) -> None:
    # GIVEN a folder with some mail, changed, and a client that synced it page by page
    mailbox = Mailbox("ann@northwind.example")
    inbox, archive = mailbox.folder_at("Inbox"), mailbox.folder_at("Archive", create=True)
    for _ in range(initial):
        mailbox.add_item(inbox, MimeSource(data=b"Subject: x\r\n\r\n"), datetime.now(UTC))
    _apply(mailbox, before)
    view: dict[int, bool] = {}
    cursor = _replay(mailbox, "Inbox", changes.Cursor(), size, view)

    # WHEN more changes happen and the client syncs again from its state
    _apply(mailbox, after)
    _replay(mailbox, "Inbox", cursor, size, view)

    # THEN its view is exactly the folder: same items, same read flags; Archive untouched by Inbox paging
    assert view == {uid: item.is_read for uid, item in inbox.items.items()}
    assert all(item.folder is archive for item in archive.items.values())


def _apply(mailbox: Mailbox, actions: list[tuple[str, int]]) -> None:
    inbox, archive = mailbox.folder_at("Inbox"), mailbox.folder_at("Archive")
    for action, pick in actions:
        live = list(inbox.items.values())
        if action == "add" or not live:
            mailbox.add_item(inbox, MimeSource(data=b"Subject: y\r\n\r\n"), datetime.now(UTC))
            continue
        item = live[pick % len(live)]
        if action == "delete":
            mailbox.delete_item(item)
        elif action in ("read", "unread"):
            mailbox.set_read(item, action == "read")
        elif action == "update":
            mailbox.update_item(item, MimeSource(data=b"Subject: z\r\n\r\n"))
        else:
            mailbox.move_item(item, archive)


def test_emails_deleted_before_the_first_sync_never_appear_even_across_pages() -> None:
    # GIVEN ten emails added and five of them deleted again before the first sync
    mailbox = Mailbox("ann@northwind.example")
    inbox = mailbox.folder_at("Inbox")
    source = MimeSource(data=b"Subject: x\r\n\r\n")
    items = [mailbox.add_item(inbox, source, datetime.now(UTC)) for _ in range(10)]
    for item in items[::2]:
        mailbox.delete_item(item)

    # WHEN pages of three are taken
    first = changes.page(inbox.log, changes.Cursor(), 3, mailbox.item_life)
    rest = changes.page(inbox.log, first.cursor, 3, mailbox.item_life)

    # THEN only the five survivors are created, three then two, and the second page ends the sync
    assert [c.uid for c in first.changes] == [items[1].uid, items[3].uid, items[5].uid]
    assert [(c.kind, c.uid) for c in rest.changes] == [("create", items[7].uid), ("create", items[9].uid)]
    assert not first.includes_last and rest.includes_last
