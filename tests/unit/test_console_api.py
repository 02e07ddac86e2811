"""What the API adds for the console (issue 12): `/metrics` per hour from the feed and the mailbox
states, `/me`, and a comment's quoted history separated again from its raw email."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commsync.api.metrics import FEED_PAGE
from commsync.cleaning.build import raw_key
from commsync.models import MailboxRef, MailboxState
from commsync.ports import CommentEntry
from commsync.services.failures import record_failure, record_success
from tests.support.api import ApiWorld, api_world
from tests.support.local import BUCKET, KEY, LocalWorld, local_world
from tests.support.mail import email_bytes, write_eml

ANN, BOB = "ann.lee@northwind.example", "bob@contoso.example"
NOW = datetime(2024, 6, 3, 14, 25, tzinfo=UTC)
REPLY = (
    "Hi Bob,\n\nthe invoice is attached.\n\nRegards,\nAnn\n\n"
    "On Mon, 3 Jun 2024 at 09:02, Bob Stone <bob@contoso.example> wrote:\n"
    "> Could you send the invoice for order 1001?\n> Bob\n"
)


@dataclass
class World:
    local: LocalWorld
    api: ApiWorld

    def entry(self, comment_id: str, created: datetime, updated: datetime | None = None) -> None:
        row = CommentEntry(BUCKET, comment_id, "h", KEY, ANN, "Inbox", created, updated or created)
        self.local.runtime.engine.state.create_comment_entry(row, "acme", "2024-06")

    def state(self, address: str, **update: object) -> None:
        self.local.runtime.engine.state.save_mailbox_state(
            MailboxRef(integration=KEY, address=address),
            MailboxState(**update),  # type: ignore[arg-type]
        )


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    local = local_world(tmp_path, [ANN, BOB], quota=500)
    api = api_world(tmp_path, runtime=local.runtime, clock=lambda: NOW)
    yield World(local, api)
    local.runtime.close()


def _figures(world: World, **query: str) -> dict[str, Any]:
    response = world.api.call("GET", "/metrics", as_="view", query=query)
    assert response.status == 200, response.text
    (figures,) = response.json["integrations"]
    assert isinstance(figures, dict)
    return figures


def test_metrics_count_comments_per_hour_of_the_last_day_from_the_feed(world: World) -> None:
    # GIVEN comments created at 14:05 and 13:59 today, one created yesterday and moved at 10:30, one too old
    world.entry("a1", NOW - timedelta(minutes=20))
    world.entry("a2", NOW - timedelta(minutes=26))
    world.entry("a3", NOW - timedelta(days=2), updated=NOW - timedelta(hours=3, minutes=55))
    world.entry("a4", NOW - timedelta(days=3))
    # WHEN the last 24 hours are asked for
    figures = _figures(world)
    hours = figures["hours"]
    assert isinstance(hours, list) and len(hours) == 24
    # THEN the window is whole hours ending with the current one, each comment in its hour
    assert hours[0]["start"] == "2024-06-02T15:00:00Z" and hours[-1]["start"] == "2024-06-03T14:00:00Z"
    by_start = {h["start"]: (h["created"], h["updated"]) for h in hours if h["created"] or h["updated"]}
    assert by_start == {
        "2024-06-03T14:00:00Z": (1, 0),
        "2024-06-03T13:00:00Z": (1, 0),
        "2024-06-03T10:00:00Z": (0, 1),
    }
    assert (figures["comments_created"], figures["comments_updated"]) == (2, 1)
    assert figures["folders"] == {ANN: {"Inbox": 3}} and figures["truncated"] is False


def test_metrics_spread_the_failed_polls_of_a_failing_run_over_it(world: World) -> None:
    # GIVEN Bob failing 4 times from 11:10 to 14:10, Ann fine since 14:00, usage 37 of a 500 quota
    world.state(
        BOB,
        failures=4,
        failing_since=NOW - timedelta(hours=3, minutes=15),
        last_sync_at=NOW - timedelta(minutes=15),
        last_error="mailbox: access denied",
    )
    world.state(ANN, last_sync_at=NOW - timedelta(minutes=25), last_success_at=NOW - timedelta(minutes=25))
    for n in range(37):
        world.entry(f"b{n:02d}", NOW - timedelta(days=10))
    figures = _figures(world)
    # THEN one failed poll per hour from 11:00 to 14:00, and the failing mailbox is counted
    errors = {h["start"][11:16]: h["errors"] for h in figures["hours"] if h["errors"]}
    assert errors == {"11:00": 1, "12:00": 1, "13:00": 1, "14:00": 1}
    assert (figures["errors"], figures["failing_mailboxes"], figures["errors_exact"]) == (4, 1, False)
    # AND the newest success, the worst lag of the enabled mailboxes, and the quota
    assert figures["last_success_at"] == "2024-06-03T14:00:00Z" and figures["lag_seconds"] == 1500
    usage = world.api.call("GET", "/metrics", as_="view").json["projects"]
    assert usage == [{"project": "acme", "period": "2024-06", "ai_units": 37, "quota": 500}]


def test_metrics_count_every_failed_poll_in_its_hour_even_after_a_success(world: World) -> None:
    # GIVEN Bob's polls failing twice at 09:10 and 09:40, a success at 10:05, a failure at 13:20,
    # and one 30 hours ago (outside the window)
    engine = world.local.runtime.engine
    _, state = engine.state.get_mailbox(MailboxRef(integration=KEY, address=BOB)) or pytest.fail()
    for at, failed in [
        (NOW - timedelta(hours=30), True),
        (NOW.replace(hour=9, minute=10), True),
        (NOW.replace(hour=9, minute=40), True),
        (NOW.replace(hour=10, minute=5), False),
        (NOW.replace(hour=13, minute=20), True),
    ]:
        engine.clock = lambda at=at: at  # type: ignore[misc]
        if failed:
            state, _ = record_failure(engine, state, None, "busy")
        else:
            state = record_success(state)
        state = state.model_copy(update={"last_sync_at": at})
    world.state(BOB, **state.model_dump())

    # WHEN the console asks for the last day
    figures = _figures(world)

    # THEN each failed poll is in its own hour, the one before the success included, and exactly so
    errors = {h["start"][11:16]: h["errors"] for h in figures["hours"] if h["errors"]}
    assert errors == {"09:00": 2, "13:00": 1}
    assert (figures["errors"], figures["errors_exact"], figures["failing_mailboxes"]) == (3, True, 1)


def test_metrics_read_a_busy_bucket_page_by_page_and_say_when_they_stop(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN more changes in the window than the cap (lowered here to keep the test fast)
    monkeypatch.setattr("commsync.api.metrics.FEED_CAP", FEED_PAGE)
    for n in range(FEED_PAGE + 5):
        world.entry(f"c{n:05d}", NOW - timedelta(minutes=50, seconds=-n))
    figures = _figures(world, hours="2")
    assert figures["truncated"] is True and figures["comments_created"] == FEED_PAGE


def test_metrics_need_a_token_and_refuse_a_window_out_of_range(world: World) -> None:
    assert world.api.call("GET", "/metrics", as_=None).status == 401
    refused = world.api.call("GET", "/metrics", as_="view", query={"hours": "500"})
    assert refused.status == 422 and refused.field_names() == ["query.hours"]


def test_me_names_the_caller_and_its_permissions(world: World) -> None:
    assert world.api.call("GET", "/me", as_="view").json["permissions"] == ["view"]
    assert world.api.call("GET", "/me", as_="modify").json["permissions"] == ["modify", "view"]
    assert world.api.call("GET", "/me", as_=None).status == 401


def test_history_is_the_quoted_part_of_the_stored_email_apart_from_the_comment(world: World) -> None:
    # GIVEN a synced reply that quotes the question it answers
    write_eml(world.local.mail, ANN, "Inbox", "reply.eml", email_bytes(1, body=REPLY))
    write_eml(world.local.mail, ANN, "Inbox", "plain.eml", email_bytes(2))
    world.local.sync()
    ids = {c["messages"][0]["body"]["text"][:6]: c["id"] for c in _comments(world)}
    reply, plain = ids["Hi Bob"], ids["Hello "]
    # WHEN its history is asked for, THEN it is the quoted part, which the comment's text lacks
    history = world.api.call("GET", f"/buckets/{BUCKET}/comments/{reply}/history", as_="view").json
    assert history["available"] is True and history["text"].startswith("On Mon, 3 Jun 2024")
    assert "> Could you send the invoice" in history["text"]
    # AND an email that quotes nothing has none; one whose raw email is gone cannot tell
    assert world.api.call("GET", f"/buckets/{BUCKET}/comments/{plain}/history", as_="view").json == {
        "available": True,
        "text": None,
    }
    world.local.runtime.engine.blobs.delete(raw_key(BUCKET, reply))
    gone = world.api.call("GET", f"/buckets/{BUCKET}/comments/{reply}/history", as_="view").json
    assert gone == {"available": False, "text": None}
    assert world.api.call("GET", f"/buckets/{BUCKET}/comments/abc123/history", as_="view").status == 404


def _comments(world: World) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in world.local.comments().values()]
