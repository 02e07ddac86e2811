"""The sync engine's promises, on the local store: incremental, idempotent, moves, dedup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from commsync.services.poll import PollStatus
from tests.support.local import KEY, PROJECT, local_world
from tests.support.mail import email_bytes, write_eml

ANN = "ann@northwind.example"
BOB = "bob@contoso.example"


def _without_times(doc: bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(doc)
    data.pop("updated_at")
    return data


def test_given_an_export_when_synced_then_one_comment_per_email_with_its_folder(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN])
    for n in range(3):
        write_eml(world.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    write_eml(world.mail, ANN, "Inbox/Projects", "p.eml", email_bytes(7))

    outcomes = world.sync()

    assert outcomes[f"{KEY}#{ANN}"].status is PollStatus.DONE
    comments = world.comments()
    assert len(comments) == 4
    folders = sorted(json.loads(doc)["user_properties"]["string:Folder"] for doc in comments.values())
    assert folders == ["Inbox", "Inbox", "Inbox", "Inbox/Projects"]
    expected_id = b"<order-7@northwind.example>".hex()
    assert json.loads(comments[expected_id])["source"] == {
        "integration": KEY,
        "kind": "eml",
        "mailbox": ANN,
        "folder": "Inbox/Projects",
    }


def test_given_a_synced_export_when_run_again_then_nothing_changes(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN])
    for n in range(5):
        write_eml(world.mail, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    world.sync()
    before = world.comments()

    outcome = world.sync()[f"{KEY}#{ANN}"]

    assert world.comments() == before
    assert (outcome.counts.created, outcome.counts.updated, outcome.counts.unchanged) == (0, 0, 0)


def test_given_a_new_file_when_run_again_then_only_it_is_read(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN])
    write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    world.sync()

    write_eml(world.mail, ANN, "Inbox", "1.eml", email_bytes(1))
    outcome = world.sync()[f"{KEY}#{ANN}"]

    assert outcome.counts.created == 1 and outcome.counts.unchanged == 0
    assert len(world.comments()) == 2


def test_given_a_file_moved_to_another_folder_then_only_the_folder_changes(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN])
    path = write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0, attachment=("a.pdf", b"%PDF-1.4")))
    world.sync()
    ((comment_id, before),) = world.comments().items()

    (world.mail / ANN / "Archive").mkdir()
    path.rename(world.mail / ANN / "Archive" / "0.eml")
    outcome = world.sync()[f"{KEY}#{ANN}"]

    after = world.comments()[comment_id]
    assert outcome.counts.updated == 1 and outcome.counts.created == 0
    old, new = _without_times(before), _without_times(after)
    assert new["user_properties"]["string:Folder"] == "Archive"
    assert new["source"]["folder"] == "Archive"
    for changed in (old, new):
        changed["user_properties"].pop("string:Folder")
        changed["source"].pop("folder")
    assert old == new
    assert json.loads(after)["created_at"] == json.loads(before)["created_at"]


def test_given_the_same_email_in_two_mailboxes_then_it_is_one_comment_charged_once(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN, BOB])
    shared = email_bytes(42)
    write_eml(world.mail, ANN, "Sent Items", "42.eml", shared)
    write_eml(world.mail, BOB, "Inbox", "42.eml", shared)

    world.sync()

    comments = world.comments()
    assert list(comments) == [b"<order-42@northwind.example>".hex()]
    source = json.loads(next(iter(comments.values())))["source"]
    assert (source["mailbox"], source["folder"]) in {(ANN, "Sent Items"), (BOB, "Inbox")}
    state = world.runtime.engine.state
    assert state.get_usage(PROJECT, _period(comments)).ai_units == 1


def _period(comments: dict[str, bytes]) -> str:
    return str(json.loads(next(iter(comments.values())))["created_at"])[:7]


def test_given_an_email_edited_after_sync_then_its_text_is_not_rewritten(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN])
    write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0, body="first text\n"))
    world.sync()

    write_eml(world.mail, ANN, "Drafts", "0.eml", email_bytes(0, body="edited text\n"))
    world.sync()

    (doc,) = world.comments().values()
    assert json.loads(doc)["messages"][0]["body"]["text"] == "first text"


def test_given_filters_then_denied_folders_and_participants_are_not_synced(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN], folders={"deny": ["Junk*"]}, domains={"deny": ["spam.example"]})
    write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    write_eml(world.mail, ANN, "Junk Email", "1.eml", email_bytes(1))
    write_eml(world.mail, ANN, "Inbox", "2.eml", email_bytes(2, sender="x@spam.example"))

    outcome = world.sync()[f"{KEY}#{ANN}"]

    assert list(world.comments()) == [b"<order-0@northwind.example>".hex()]
    assert outcome.counts.filtered == 1


def test_given_a_start_time_then_older_emails_are_skipped(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN], start_time="2024-03-01T09:30:00Z")
    write_eml(world.mail, ANN, "Inbox", "old.eml", email_bytes(10))  # 09:10
    write_eml(world.mail, ANN, "Inbox", "new.eml", email_bytes(45))  # 09:45

    world.sync()

    assert list(world.comments()) == [b"<order-45@northwind.example>".hex()]


def test_given_a_missing_mailbox_directory_then_that_mailbox_fails_and_the_other_syncs(
    tmp_path: Path,
) -> None:
    world = local_world(tmp_path, [ANN, "ghost@northwind.example"])
    write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0))

    outcomes = world.sync()

    ghost = outcomes[f"{KEY}#ghost@northwind.example"]
    assert ghost.status is PollStatus.FAILED and ghost.failure_class == "mailbox"
    assert "ghost@northwind.example" in (ghost.error or "")
    assert outcomes[f"{KEY}#{ANN}"].status is PollStatus.DONE
    assert len(world.comments()) == 1
