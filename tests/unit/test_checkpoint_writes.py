"""When a poll writes a checkpoint (issue 17): after changes, or when the stored token would
otherwise age past what its server accepts; an idle poll writes nothing at all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commsync.models import Checkpoint, MailboxRef, PollJob
from commsync.models.integration import SourceKind
from commsync.services.checkpoint_tokens import REFRESH_AFTER, needs_write
from commsync.services.poll import PollStatus, poll
from commsync.services.scratch import PREFIX, remove_leftovers
from tests.support.local import KEY, local_world
from tests.support.mail import email_bytes, write_eml

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
ANN = "ann@northwind.example"


def _stored(age: timedelta, token: str = "old") -> Checkpoint:  # noqa: S107  (a sync token)
    return Checkpoint(
        integration=KEY,
        mailbox=ANN,
        folder_id="Inbox",
        folder_path="Inbox",
        token=token,
        updated_at=NOW - age,
    )


@pytest.mark.parametrize("kind", list(SourceKind))
def test_an_unchanged_page_keeps_the_stored_token_until_it_would_age_out(kind: SourceKind) -> None:
    limit = REFRESH_AFTER[kind]
    # A first token, and one that moved past changes, are always written
    assert needs_write(kind, None, "t1", changed=False, now=NOW)
    assert needs_write(kind, _stored(timedelta(minutes=5)), "new", changed=True, now=NOW)
    # A fresh one for an unchanged page is not, while the stored one is young
    assert not needs_write(kind, _stored(timedelta(minutes=5)), "new", changed=False, now=NOW)
    if limit is None:  # eml: a local watermark never expires
        assert not needs_write(kind, _stored(timedelta(days=365)), "new", changed=False, now=NOW)
        return
    # ... and is, once the stored one reaches the server's limit, unless the server handed back the same
    assert needs_write(kind, _stored(limit), "new", changed=False, now=NOW)
    assert not needs_write(kind, _stored(limit, token="same"), "same", changed=False, now=NOW)
    assert not needs_write(kind, _stored(limit - timedelta(seconds=1)), "new", changed=False, now=NOW)


def test_each_server_gets_a_refresh_well_inside_what_it_accepts() -> None:
    # Graph directory tokens last 7 days, Salesforce getDeleted answers 15 days back.
    graph, salesforce = REFRESH_AFTER[SourceKind.GRAPH], REFRESH_AFTER[SourceKind.SALESFORCE]
    assert graph is not None and graph < timedelta(days=7)
    assert salesforce is not None and salesforce < timedelta(days=15)


def test_an_idle_poll_reads_its_state_once_and_writes_nothing(tmp_path: Path) -> None:
    # GIVEN a synced mailbox
    world = local_world(tmp_path, [ANN])
    write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0))
    world.sync()
    engine = world.runtime.engine
    calls: list[str] = []

    def recorded(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)

        return call

    for name in ("put_checkpoint", "save_mailbox_state", "get_mailbox", "get_checkpoint", "load_mailbox"):
        setattr(engine.state, name, recorded(name, getattr(engine.state, name)))

    # WHEN it is polled and nothing is new
    outcome = poll(engine, PollJob(mailbox=MailboxRef(integration=KEY, address=ANN), enqueued_at=NOW))

    # THEN one read of its whole state, and no write of any kind
    assert outcome.status is PollStatus.DONE and outcome.counts.created == 0
    assert calls == ["load_mailbox"]

    # WHEN an email arrives, THEN the next poll writes its checkpoint and its counts
    write_eml(world.mail, ANN, "Inbox", "1.eml", email_bytes(1))
    calls.clear()
    outcome = poll(engine, PollJob(mailbox=MailboxRef(integration=KEY, address=ANN), enqueued_at=NOW))
    assert outcome.counts.created == 1
    assert "put_checkpoint" in calls and "save_mailbox_state" in calls


def test_scratch_files_of_a_killed_poll_are_removed_and_nothing_else(tmp_path: Path) -> None:
    left = tmp_path / f"{PREFIX}abc123"
    (left / "nested").mkdir(parents=True)
    (left / "nested" / "part.bin").write_bytes(b"\0" * 1024)
    other = tmp_path / "someone-elses"
    other.mkdir()

    assert remove_leftovers(tmp_path) == 1
    assert not left.exists() and other.exists()
