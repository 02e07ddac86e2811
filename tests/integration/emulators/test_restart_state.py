"""Sync state across an emulator restart on a changed data directory (issue 21): a restarted EWS
or Graph emulator accepts the SyncStates and deltaLinks it issued before and reports exactly the
changes made to the files while it was down (emulators/ews/persist.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from exchangelib.errors import ErrorInvalidSyncStateData
from exchangelib.folders import Folder

from emulators.graph import GraphEmulator
from emulators.identity import IdentityEmulator
from emulators.server import running
from emulators.tls import self_signed
from tests.integration.clients.graph_world import ANN as GRAPH_ANN
from tests.integration.clients.graph_world import CLIENT_ID, CLIENT_SECRET, TENANT, corpus
from tests.integration.emulators.test_ews_support import ANN, serve, write_mailboxes
from tests.integration.test_graph_support import GRAPH
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration


def _sync(folder: Folder, state: str | None) -> tuple[list[tuple[str, str]], str]:
    """(change type, item id) of each change, and the new SyncState."""
    changes = []
    for change_type, item in folder.sync_items(sync_state=state, only_fields=["subject"]):
        changes.append((change_type, item.id if hasattr(item, "id") else item[0]))
    return changes, str(folder.item_sync_state)


def _folder_changes(folder: Folder, state: str | None) -> tuple[list[tuple[str, str]], str]:
    changes = [(kind, f.name) for kind, f in folder.sync_hierarchy(sync_state=state, only_fields=["name"])]
    return changes, str(folder.folder_sync_state)


def test_an_ews_syncstate_from_before_a_restart_reports_the_file_changes_made_while_down(
    tmp_path: Path,
) -> None:
    write_mailboxes(tmp_path)
    root = tmp_path / ANN
    with serve(tmp_path) as served:
        account = served.account()
        first, inbox_state = _sync(account.inbox, None)
        kept = {change[1] for change in first}
        _, sent_state = _sync(account.sent, None)
        _, tree_state = _folder_changes(account.root, None)
    # WHILE DOWN: one file added, one deleted, one moved to Sent Items, a folder renamed
    (root / "Inbox" / "new.eml").write_bytes(email_bytes(88))
    (root / "Inbox" / "00000.eml").unlink()
    (root / "Inbox" / "00001.eml").replace(root / "Sent Items" / "00001.eml")
    (root / "Inbox" / "Projects").rename(root / "Inbox" / "Clients")
    with serve(tmp_path) as served:
        account = served.account()
        inbox, inbox_state = _sync(account.inbox, inbox_state)
        sent, _ = _sync(account.sent, sent_state)
        tree, _ = _folder_changes(account.root, tree_state)
        assert sorted(kind for kind, _ in inbox) == ["create", "delete", "delete"]
        assert {i for kind, i in inbox if kind == "delete"} < kept  # the ids issued before the restart
        assert [kind for kind, _ in sent] == ["create"]
        assert tree == [("update", "Clients")]
        assert {i.id for i in account.inbox.all().only("id")} - {i for _, i in inbox} <= kept  # stable ids
    with serve(tmp_path) as served:  # and again, on unchanged data: nothing new
        assert _sync(served.account().inbox, inbox_state)[0] == []


def test_sync_state_loss_stays_lost_across_a_restart(tmp_path: Path) -> None:
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        _, state = _sync(served.account().inbox, None)
        served.emulator.store.invalidate_sync_states(ANN)
    with (
        serve(tmp_path) as served,
        pytest.raises(ErrorInvalidSyncStateData),
    ):
        _sync(served.account().inbox, state)


def _delta(url: str, headers: dict[str, str], cert: Path) -> tuple[list[dict[str, Any]], str]:
    values: list[dict[str, Any]] = []
    while True:
        page = requests.get(url, headers=headers, verify=str(cert), timeout=10).json()
        values.extend(page["value"])
        if "@odata.deltaLink" in page:
            return values, page["@odata.deltaLink"]
        url = page["@odata.nextLink"]


def test_a_graph_deltalink_from_before_a_restart_reports_the_file_changes_made_while_down(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    corpus(data)
    tls = self_signed(tmp_path / "tls")
    idp = IdentityEmulator()
    idp.add_app(TENANT, CLIENT_ID, secret=CLIENT_SECRET, roles={GRAPH: ["Mail.Read", "User.Read.All"]})
    with idp.serving(tls=tls):
        token = idp.app_token(TENANT, CLIENT_ID, GRAPH)
        headers = {"Authorization": f"Bearer {token}", "Prefer": 'IdType="ImmutableId"'}
        with running(GraphEmulator.from_directory(data, idp.verifier()).server(0, tls=tls)) as server:
            base = f"{server.url}/v1.0/users/{GRAPH_ANN}/mailFolders"
            first, inbox_link = _delta(f"{base}/inbox/messages/delta", headers, tls.cert)
            _, archive_link = _delta(f"{base}/archive/messages/delta", headers, tls.cert)
            _, folder_link = _delta(f"{base}/delta", headers, tls.cert)
        ids = {m["id"] for m in first}
        (data / GRAPH_ANN / "Inbox" / "00.eml").unlink()
        (data / GRAPH_ANN / "Inbox" / "03.eml").replace(data / GRAPH_ANN / "Archive" / "03.eml")
        (data / GRAPH_ANN / "Inbox" / "new.eml").write_bytes(email_bytes(99))
        (data / GRAPH_ANN / "Inbox" / "Projects").rename(data / GRAPH_ANN / "Inbox" / "Clients")
        with running(GraphEmulator.from_directory(data, idp.verifier()).server(0, tls=tls)) as server:
            link = inbox_link.replace(inbox_link.split("/v1.0")[0], server.url)
            inbox, _ = _delta(link, headers, tls.cert)
            archive, _ = _delta(
                archive_link.replace(archive_link.split("/v1.0")[0], server.url), headers, tls.cert
            )
            folders, _ = _delta(
                folder_link.replace(folder_link.split("/v1.0")[0], server.url), headers, tls.cert
            )
    removed = [m["id"] for m in inbox if "@removed" in m]
    added = [m for m in inbox if "@removed" not in m]
    assert len(removed) == 2 and set(removed) <= ids and len(added) == 1 and added[0]["id"] not in ids
    moved = [m for m in archive if "@removed" not in m]
    assert len(moved) == 1 and len(archive) == 1 and moved[0]["subject"] == "Shipment 2003: delivery window"
    assert moved[0]["id"] in removed  # a moved message keeps its immutable id
    assert [f["displayName"] for f in folders] == ["Clients"]


def test_lower_case_directories_and_a_damaged_state_file_after_a_restart(tmp_path: Path) -> None:
    write_eml(tmp_path, ANN, "inbox", "a.eml", email_bytes(1))
    write_eml(tmp_path, ANN, "inbox/projects", "p.eml", email_bytes(2))
    (tmp_path / ANN / "inbox" / "empty").mkdir()
    with serve(tmp_path) as served:
        account = served.account()
        _, inbox_state = _sync(account.inbox, None)
        _, tree_state = _folder_changes(account.root, None)
    (tmp_path / ANN / "inbox" / "projects").rename(tmp_path / ANN / "inbox" / "clients")
    with serve(tmp_path) as served:
        account = served.account()
        # GIVEN `inbox` names the Inbox: only the rename is a change, the empty folder stays
        assert _folder_changes(account.root, tree_state)[0] == [("update", "clients")]
        assert _sync(account.inbox, inbox_state)[0] == []
    # WHEN the state file is damaged: the emulator serves afresh and refuses the old SyncState
    (tmp_path / ".emulator-state" / "ews" / f"{ANN}.json").write_text("{not json", encoding="utf-8")
    with serve(tmp_path) as served:
        account = served.account()
        assert [kind for kind, _ in _sync(account.inbox, None)[0]] == ["create"]
        with pytest.raises(ErrorInvalidSyncStateData):
            _sync(account.inbox, inbox_state)
