"""The data directory, live (issue 21): files and folders added, moved, renamed, replaced and
deleted while the EWS and Graph emulators run are seen by the next request, and a SyncState
taken before sees them as changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from exchangelib.folders import Folder

from tests.integration.clients.graph_world import ANN as GRAPH_ANN
from tests.integration.clients.graph_world import CLIENT_ID, TENANT, world
from tests.integration.emulators.test_ews_support import ANN, Served, serve, write_mailboxes
from tests.integration.test_graph_support import GRAPH
from tests.support.mail import email_bytes

pytestmark = pytest.mark.integration


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    write_mailboxes(tmp_path)
    with serve(tmp_path) as found:
        yield found


def _changes(folder: Folder, state: str | None) -> tuple[list[str], str]:
    kinds = []
    for change_type, _item in folder.sync_items(sync_state=state, only_fields=["subject"]):
        kinds.append(change_type)
    return kinds, str(folder.item_sync_state)


def test_a_file_added_replaced_and_deleted_is_a_create_an_update_and_a_delete(served: Served) -> None:
    inbox = served.account().inbox
    _, state = _changes(inbox, None)
    box = served.data / ANN / "Inbox"
    # WHEN a file is added
    (box / "new.eml").write_bytes(email_bytes(77))
    kinds, state = _changes(inbox, state)
    assert kinds == ["create"] and inbox.all().count() == 4
    # WHEN it is replaced (written aside, renamed over) and another deleted
    (box / "new.tmp").write_bytes(email_bytes(77, subject="Order 1077 status (amended)"))
    (box / "new.tmp").replace(box / "new.eml")
    (box / "00000.eml").unlink()
    kinds, state = _changes(inbox, state)
    assert sorted(kinds) == ["delete", "update"]
    assert sorted(m.subject for m in inbox.all().only("subject"))[-1] == "Order 1077 status (amended)"


def test_a_moved_file_leaves_one_folder_for_another_and_a_renamed_directory_renames_the_folder(
    served: Served,
) -> None:
    account = served.account()
    root = served.data / ANN
    (root / "Inbox" / "00001.eml").replace(root / "Sent Items" / "00001.eml")
    assert (account.inbox.all().count(), account.sent.all().count()) == (2, 2)
    (root / "Inbox" / "Projects").rename(root / "Inbox" / "Clients")
    account = served.account()
    names = [f.name for f in account.inbox.children]
    assert names == ["Clients"]
    assert (account.inbox / "Clients" / "2024").all().count() == 1  # its items follow


def test_graph_sees_a_new_folder_and_file_in_its_delta(tmp_path: Path) -> None:
    with world(tmp_path) as env:
        token = env.identity.app_token(TENANT, CLIENT_ID, GRAPH)
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{env.base_url}/users/{GRAPH_ANN}/mailFolders/delta"
        link = requests.get(url, headers=headers, verify=str(env.tls.cert), timeout=10).json()[
            "@odata.deltaLink"
        ]
        target = env.data / GRAPH_ANN / "Receipts"
        target.mkdir()
        (target / "r.eml").write_bytes(email_bytes(5))
        changed = requests.get(link, headers=headers, verify=str(env.tls.cert), timeout=10).json()["value"]
        assert [f["displayName"] for f in changed] == ["Receipts"] and changed[0]["totalItemCount"] == 1
