"""`deletions = "keep" | "mark" | "delete"` (issue 19), through the EWS emulator: a deleted email's
comment is kept, marked or deleted once the email is gone from the whole mailbox, and from every
mailbox that shares the comment; a move is never taken for a delete."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.local_mode import apply_config
from commsync.models.usage import usage_period
from emulators.ews import EwsEmulator
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN as GRAPH_ANN
from tests.integration.test_graph_support import graph_world
from tests.support.ews import BUCKET, KEY, SERVICE_PASSWORD, SERVICE_USER, EwsWorld, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration
ANN, BOB = "ann@contoso.example", "bob@contoso.example"
SCAN = b"%PDF-1.7\n" + os.urandom(20_000)


def _set(world: EwsWorld, deletions: str) -> None:
    config = world.runtime.config
    integration = config.integrations[0].model_copy(update={"deletions": deletions})
    world.runtime.config = config.model_copy(update={"integrations": [integration]})
    apply_config(world.runtime)


def _by_subject(world: EwsWorld) -> dict[str, dict[str, object]]:
    return {c["messages"][0]["subject"]["text"]: c for c in world.comments().values()}


def _item(emulator: EwsEmulator, mailbox: str, folder: str, subject: str) -> str:
    return next(i.id for i in emulator.store.items(mailbox, folder) if i.subject == subject)


def _world(tmp_path: Path, mailboxes: list[str]) -> tuple[EwsEmulator, Path]:
    data = tmp_path / "data"
    for mailbox in mailboxes:
        write_eml(data, mailbox, "Inbox", "1.eml", email_bytes(1, attachment=("scan.pdf", SCAN)))
        write_eml(data, mailbox, "Inbox", "2.eml", email_bytes(2))
        write_eml(data, mailbox, "Inbox", "3.eml", email_bytes(3))
    write_eml(data, mailboxes[0], "Archive", "4.eml", email_bytes(4))
    return EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD}), data


def test_mark_marks_a_deleted_email_and_leaves_a_moved_one(tmp_path: Path) -> None:
    emulator, _ = _world(tmp_path, [ANN])
    with ews_world(tmp_path, emulator, [ANN]) as world:
        _set(world, "mark")
        world.sync()
        units = world.runtime.engine.state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units

        # WHEN one email is deleted and another moved to a folder synced before it (Archive)
        emulator.store.delete(ANN, _item(emulator, ANN, "Inbox", "Order 1002 status"))
        emulator.store.move(ANN, _item(emulator, ANN, "Inbox", "Order 1003 status"), "Archive")
        world.sync()
        # THEN nothing is marked yet: a poll that began before the delete was seen must pass first
        assert not [c for c in world.comments().values() if "string:Deleted At" in c["user_properties"]]

        world.sync()
        # THEN the deleted one is marked, the moved one is not and names its new folder
        comments = _by_subject(world)
        assert "string:Deleted At" in comments["Order 1002 status"]["user_properties"]  # type: ignore[operator]
        moved = comments["Order 1003 status"]["user_properties"]
        assert "string:Deleted At" not in moved and moved["string:Folder"] == "Archive"  # type: ignore[index,operator]
        assert len(comments) == 4
        assert world.runtime.engine.state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units == units


def test_delete_removes_the_comment_only_when_no_mailbox_holds_it(tmp_path: Path) -> None:
    # GIVEN the same three emails in Ann's and Bob's mailboxes: one comment each, shared
    emulator, _ = _world(tmp_path, [ANN, BOB])
    with ews_world(tmp_path, emulator, [ANN, BOB]) as world:
        _set(world, "delete")
        world.sync()
        assert len(world.comments()) == 4
        shared = next(c for c in world.comments().values() if c["attachments"])
        reference = shared["attachments"][0]["attachment_reference"]

        before = world.runtime.engine.state.get_comment_entry(BUCKET, shared["id"])
        assert before is not None

        # WHEN Ann deletes the email with the scan
        emulator.store.delete(ANN, _item(emulator, ANN, "Inbox", "Order 1001 status"))
        world.sync()
        world.sync()
        # THEN its comment stays: Bob still has it
        assert shared["id"] in world.comments()
        assert (world.store / "raw" / BUCKET / f"{shared['id']}.eml").exists()
        assert (world.store / "attachments" / BUCKET / reference).exists()

        # WHEN Bob deletes it too (the feed read up to here first)
        cursor = world.runtime.engine.state.comment_changes(BUCKET, "", 1000)[-1][0]
        emulator.store.delete(BOB, _item(emulator, BOB, "Inbox", "Order 1001 status"))
        world.sync()
        assert shared["id"] in world.comments()  # not yet: a complete poll after must pass
        world.sync()

        # THEN the comment, its raw MIME, and the scan nothing else uses are gone; the rest stay
        assert shared["id"] not in world.comments()
        # ... and the comment feed reports it: a reader who had read the feed up to the delete
        # finds its tombstone after that point
        changed = [
            entry.comment_id for _, entry in world.runtime.engine.state.comment_changes(BUCKET, cursor, 100)
        ]
        assert shared["id"] in changed
        assert not (world.store / "raw" / BUCKET / f"{shared['id']}.eml").exists()
        assert not (world.store / "attachments" / BUCKET / reference).exists()
        assert len(world.comments()) == 3


def test_keep_is_the_default_and_keeps_everything(tmp_path: Path) -> None:
    emulator, _ = _world(tmp_path, [ANN])
    with ews_world(tmp_path, emulator, [ANN]) as world:
        world.sync()
        emulator.store.delete(ANN, _item(emulator, ANN, "Inbox", "Order 1002 status"))
        world.sync()
        world.sync()
        assert len(world.comments()) == 4
        assert not list((world.store).glob("deletions/**/*"))
        assert world.runtime.engine.state.get_integration(KEY).deletions == "keep"  # type: ignore[union-attr]


def test_graph_a_move_keeps_its_immutable_id_and_its_comment_a_delete_does_not(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for n in (1, 2, 3):
        write_eml(data, GRAPH_ANN, "Inbox", f"{n}.eml", email_bytes(n))
    write_eml(data, GRAPH_ANN, "Archive", "4.eml", email_bytes(4))
    with graph_world(tmp_path, data, self_signed(tmp_path / "tls")) as world:
        config = world.runtime.config
        integration = config.integrations[0].model_copy(update={"deletions": "delete"})
        world.runtime.config = config.model_copy(update={"integrations": [integration]})
        apply_config(world.runtime)
        world.sync()
        by_subject = {m.subject: m.id for m in world.emulator.store.messages(GRAPH_ANN, "Inbox")}

        # WHEN one email is moved (same immutable id in the other folder) and one deleted
        world.emulator.store.move(GRAPH_ANN, by_subject["Order 1001 status"], "Archive")
        world.emulator.store.delete(GRAPH_ANN, by_subject["Order 1002 status"])
        world.sync()
        world.sync()

        # THEN only the deleted one's comment is gone; the moved one names Archive
        folders = {
            c["messages"][0]["subject"]["text"]: c["user_properties"]["string:Folder"]
            for c in world.comments().values()
        }
        assert folders == {
            "Order 1001 status": "Archive",
            "Order 1003 status": "Inbox",
            "Order 1004 status": "Archive",
        }
