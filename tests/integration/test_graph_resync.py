"""Resync (issue 10): a resync job fetches the emails again (Graph: by Message-ID, wherever they
are now) and rebuilds their comments; a source that cannot fetch by Message-ID (EWS) rebuilds them
from the raw MIME stored at the first sync."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from commsync.cleaning.build import comment_key
from commsync.models import MailboxRef, PollJob
from commsync.models.job import JobReason
from commsync.models.usage import usage_period
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN, BUCKET, KEY, PROJECT, graph_world, message, write_corpus
from tests.support.ews import KEY as EWS_KEY
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, ews_world

pytestmark = pytest.mark.integration
NOW = datetime(2024, 4, 1, tzinfo=UTC)


def _resync(integration: str, ids: list[str]) -> PollJob:
    ref = MailboxRef(integration=integration, address=ANN)
    return PollJob(mailbox=ref, reason=JobReason.MANUAL, enqueued_at=NOW, resync_ids=ids)


def test_resync_fetches_the_edited_email_again_and_rebuilds_its_comment(tmp_path: Path) -> None:
    write_corpus(tmp_path / "data", count=10)
    with graph_world(tmp_path, tmp_path / "data", self_signed(tmp_path / "tls")) as world:
        assert world.sync().status is PollStatus.DONE
        store, engine = world.emulator.store, world.runtime.engine
        target = store.messages(ANN, "Inbox")[0]
        comment_id = str(target.internet_message_id).encode().hex()
        before = world.comments()[comment_id]
        units = engine.state.get_usage(PROJECT, usage_period(datetime.now(UTC))).ai_units

        # GIVEN the email was edited on the server (same Message-ID) and then moved to Archive
        edited = message(0, "Carol Diaz <carol@fabrikam.example>").replace(
            b"leave the dock", b"stay at the dock"
        )
        store.update(ANN, target.id, edited)
        store.move(ANN, target.id, "Archive")
        # AND a scheduled sync does not rewrite a comment's text (docs/architecture.md#sources)
        assert world.sync().status is PollStatus.DONE
        assert world.comments()[comment_id]["messages"] == before["messages"]

        # WHEN a resync of it runs
        outcome = world.run(_resync(KEY, [comment_id]))[f"{KEY}#{ANN}"]

        # THEN the comment holds the new text, names its folder now, keeps its creation time,
        # and the text change cost one AI unit
        after = world.comments()[comment_id]
        assert outcome.status is PollStatus.DONE, outcome.error
        assert outcome.counts.updated == 1
        assert "stay at the dock" in after["messages"][0]["body"]["text"]
        assert after["user_properties"]["string:Folder"] == "Archive"
        assert after["created_at"] == before["created_at"]
        assert engine.state.get_usage(PROJECT, usage_period(datetime.now(UTC))).ai_units == units + 1


def test_resync_through_ews_rebuilds_a_damaged_comment_from_the_stored_mime(tmp_path: Path) -> None:
    write_corpus(tmp_path / "data", count=6)
    emulator = EwsEmulator.from_directory(tmp_path / "data", users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN]) as world:
        assert world.sync()[f"{EWS_KEY}#{ANN}"].status is PollStatus.DONE
        comment_id, original = next(iter(world.comments().items()))
        # GIVEN a stored comment damaged by hand
        path = world.store / comment_key(BUCKET, comment_id)
        damaged = {**original, "messages": [{**original["messages"][0], "body": {"text": "(lost)"}}]}
        path.write_text(json.dumps(damaged))

        # WHEN a resync of it and of an id nobody knows runs
        world.runtime.engine.queue.send([_resync(EWS_KEY, [comment_id, "3c6e6f6e65406e6f77686572653e"])])
        from commsync.local_mode import drain

        outcome = drain(world.runtime)[f"{EWS_KEY}#{ANN}"]

        # THEN the comment is whole again and nothing else was written
        assert outcome.status is PollStatus.DONE, outcome.error
        rebuilt = world.comments()[comment_id]
        assert rebuilt["messages"] == original["messages"]
        assert outcome.counts.updated == 1
        assert len(world.comments()) == 6
