"""A renamed folder re-paths the comments in it and in its subfolders, at no AI-unit cost
(issue 19), through EWS (SyncFolderHierarchy Update) and Graph (mailFolders/delta)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.local_mode import LocalRuntime
from commsync.models.usage import usage_period
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from emulators.ews.folder_moves import move_folder
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN as GRAPH_ANN
from tests.integration.test_graph_support import graph_world
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration
ANN = "ann@contoso.example"


def _write(data: Path, mailbox: str) -> None:
    write_eml(data, mailbox, "Inbox", "1.eml", email_bytes(1))
    write_eml(data, mailbox, "Inbox/Projects", "2.eml", email_bytes(2))
    write_eml(data, mailbox, "Inbox/Projects", "3.eml", email_bytes(3))
    write_eml(data, mailbox, "Inbox/Projects/Alpha", "4.eml", email_bytes(4))


def _units(runtime: LocalRuntime) -> int:
    return runtime.engine.state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units


def _folders(comments: dict[str, dict[str, object]]) -> dict[str, str]:
    return {
        c["messages"][0]["subject"]["text"]: c["user_properties"]["string:Folder"]  # type: ignore[index]
        for c in comments.values()
    }


EXPECTED = {
    "Order 1001 status": "Inbox",
    "Order 1002 status": "Inbox/Programs",
    "Order 1003 status": "Inbox/Programs",
    "Order 1004 status": "Inbox/Programs/Alpha",
}


def test_an_ews_folder_rename_re_paths_its_comments_and_its_subfolders(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data, ANN)
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN]) as world:
        # GIVEN a synced mailbox with a folder and a subfolder of it
        assert world.sync()[f"{KEY}#{ANN}"].status is PollStatus.DONE
        ids = set(world.comments())
        units = _units(world.runtime)
        assert units >= 4  # the four comments were charged when created

        # WHEN the folder is renamed on the server
        emulator.store.rename_folder(ANN, "Inbox/Projects", "Programs")
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the same comments now name the new paths, the subfolder's too, at no AI unit
        assert outcome.status is PollStatus.DONE, outcome.error
        assert set(world.comments()) == ids
        assert _folders(world.comments()) == EXPECTED
        assert outcome.counts.updated == 3 and outcome.counts.created == 0
        assert _units(world.runtime) == units

        # AND the next poll has nothing to re-path
        assert world.sync()[f"{KEY}#{ANN}"].counts.updated == 0


def test_a_graph_folder_rename_re_paths_its_comments_and_its_subfolders(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data, GRAPH_ANN)
    with graph_world(tmp_path, data, self_signed(tmp_path / "tls")) as world:
        assert world.sync().status is PollStatus.DONE
        ids = set(world.comments())
        units = _units(world.runtime)
        assert units >= 4  # the four comments were charged when created

        world.emulator.store.rename_folder(GRAPH_ANN, "Inbox/Projects", "Programs")
        outcome = world.sync()

        assert outcome.status is PollStatus.DONE, outcome.error
        assert set(world.comments()) == ids
        assert _folders(world.comments()) == EXPECTED
        assert outcome.counts.updated == 3 and outcome.counts.created == 0
        assert _units(world.runtime) == units
        assert world.sync().counts.updated == 0


MOVED = {
    "Order 1001 status": "Inbox",
    "Order 1002 status": "Archive/Projects",
    "Order 1003 status": "Archive/Projects",
    "Order 1004 status": "Archive/Projects/Alpha",
}


def test_a_folder_moved_under_another_parent_re_paths_its_comments_ews(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data, ANN)
    write_eml(data, ANN, "Archive", "5.eml", email_bytes(5))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN]) as world:
        world.sync()
        units = _units(world.runtime)
        box = emulator.store.mailbox(ANN)
        assert box is not None

        # WHEN Inbox/Projects (with its subfolder) is moved under Archive
        move_folder(box, "Inbox/Projects", "Archive")
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN its comments and its subfolder's name the new paths, at no AI unit
        assert outcome.status is PollStatus.DONE, outcome.error
        assert _folders(world.comments()) == {**MOVED, "Order 1005 status": "Archive"}
        assert outcome.counts.updated == 3 and _units(world.runtime) == units


def test_a_folder_moved_under_another_parent_re_paths_its_comments_graph(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _write(data, GRAPH_ANN)
    write_eml(data, GRAPH_ANN, "Archive", "5.eml", email_bytes(5))
    with graph_world(tmp_path, data, self_signed(tmp_path / "tls")) as world:
        world.sync()
        units = _units(world.runtime)
        graph = world.emulator.store.mailbox(GRAPH_ANN)
        assert graph is not None

        move_folder(graph.box, "Inbox/Projects", "Archive")
        outcome = world.sync()

        assert outcome.status is PollStatus.DONE, outcome.error
        assert _folders(world.comments()) == {**MOVED, "Order 1005 status": "Archive"}
        assert outcome.counts.updated == 3 and _units(world.runtime) == units
