"""Mailboxes, on-demand sync, bulk schedules and notification subscriptions through the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from commsync.models import MailboxRef, PollJob
from commsync.models.job import JobReason
from tests.support.api import ApiWorld, api_world

ANN, BOB = "ann@acme.example", "bob@acme.example"
BASE = "/integrations/acme/exchange/mailboxes"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    world = api_world(tmp_path)
    for name, kind, endpoint in (
        ("exchange", "ews", "https://mail.acme.example/EWS/Exchange.asmx"),
        ("outlook", "graph", "https://graph.microsoft.com/v1.0"),
    ):
        body = {"project": "acme", "name": name, "kind": kind, "endpoint": endpoint, "bucket": "acme-mail"}
        assert world.call("POST", "/integrations", body).status == 201
    yield world
    world.close()


def _queued(world: ApiWorld) -> list[PollJob]:
    jobs = []
    while (job := world.runtime.queue.receive()) is not None:
        jobs.append(job)
    return jobs


def test_a_mailbox_is_added_read_updated_and_removed(world: ApiWorld) -> None:
    # GIVEN a mailbox with folder and participant filters, its address in mixed case
    body = {
        "address": "Ann@Acme.example",
        "start_time": "2024-01-01T00:00:00Z",
        "folders": {"allow": ["Inbox/*"], "deny": ["Inbox/Spam"]},
        "domains": {"deny": ["newsletter.example"]},
    }
    # WHEN it is added, read (by its lower-cased address), updated, and removed
    created = world.call("POST", BASE, body)
    read = world.call("GET", f"{BASE}/{ANN}", as_="view")
    updated = world.call("PUT", f"{BASE}/{ANN}", {**body, "address": ANN, "sync_attachments": False})
    listed = world.call("GET", BASE, as_="view")
    removed = world.call("DELETE", f"{BASE}/{ANN}")
    gone = world.call("GET", f"{BASE}/{ANN}", as_="view")

    # THEN each step answers as REST says and the settings round-trip
    assert (created.status, read.status, updated.status, removed.status, gone.status) == (
        201,
        200,
        200,
        204,
        404,
    )
    assert read.json["address"] == ANN and read.json["folders"]["deny"] == ["Inbox/Spam"]
    assert read.json["status"]["enabled"] is True and read.json["status"]["last_success_at"] is None
    assert updated.json["sync_attachments"] is False
    assert [m["address"] for m in listed.json] == [ANN]


def test_mailbox_errors_name_the_field_or_the_conflict(world: ApiWorld) -> None:
    world.call("POST", BASE, {"address": ANN})

    duplicate = world.call("POST", BASE, {"address": ANN.upper()})
    bad_interval = world.call("POST", BASE, {"address": BOB, "poll_interval_seconds": 0})
    bad_time = world.call("POST", BASE, {"address": BOB, "start_time": "2024-01-01T00:00:00"})
    other_address = world.call("PUT", f"{BASE}/{ANN}", {"address": BOB})
    unknown_integration = world.call("POST", "/integrations/acme/nope/mailboxes", {"address": BOB})

    assert duplicate.status == 409
    assert bad_interval.status == 422 and bad_interval.field_names() == ["body.poll_interval_seconds"]
    assert bad_time.status == 422 and bad_time.field_names() == ["body.start_time"]
    assert "time zone" in bad_time.json["fields"][0]["message"]
    assert other_address.status == 409 and other_address.field_names() == ["body.address"]
    assert unknown_integration.status == 404


def test_on_demand_sync_queues_a_manual_job_with_folder_and_filters(world: ApiWorld) -> None:
    # GIVEN a mailbox
    world.call("POST", BASE, {"address": ANN})
    filters = {
        "AND": [
            {"from": "orders@northwind.example"},
            {"OR": [{"has": "attachment"}, {"after": "2024/03/01"}]},
        ]
    }

    # WHEN a sync of one folder with nested filters is asked for, and one without a body
    filtered = world.call("POST", f"{BASE}/{ANN}/sync", {"folder": "Inbox/Orders", "filters": filters})
    plain = world.call("POST", f"{BASE}/{ANN}/sync")

    # THEN both are accepted (202) and the queue holds manual jobs carrying exactly that request
    assert (filtered.status, plain.status) == (202, 202)
    jobs = _queued(world)
    assert [j.reason for j in jobs] == [JobReason.MANUAL, JobReason.MANUAL]
    assert jobs[0].mailbox == MailboxRef(integration="acme/exchange", address=ANN)
    assert jobs[0].folder == "Inbox/Orders"
    assert jobs[0].model_dump(mode="json", by_alias=True)["filters"] == filters
    assert (jobs[1].folder, jobs[1].filters) == (None, None)


def test_bad_filters_are_refused_naming_where_they_are_wrong(world: ApiWorld) -> None:
    world.call("POST", BASE, {"address": ANN})
    deep: dict[str, object] = {"from": "a@b.example"}
    for _ in range(10):
        deep = {"AND": [deep]}
    cases = {
        "body.filters.AND.1.OR.0.after": {"AND": [{"from": "x@y"}, {"OR": [{"after": "2024/02/30"}]}]},
        "body.filters": {"category": "Customer", "has": "attachment"},
        "body.filters.has": {"has": "link"},
    }

    answers = {field: world.call("POST", f"{BASE}/{ANN}/sync", {"filters": f}) for field, f in cases.items()}
    too_deep = world.call("POST", f"{BASE}/{ANN}/sync", {"filters": deep})

    for field, response in answers.items():
        assert response.status == 422, response.text
        assert field in response.field_names(), (field, response.text)
    assert too_deep.status == 422 and "nested deeper" in too_deep.text
    assert _queued(world) == []


def test_a_disabled_mailbox_is_not_synced_on_demand(world: ApiWorld) -> None:
    world.call("POST", BASE, {"address": ANN})
    world.call("POST", f"{BASE}/{ANN}/stop")

    response = world.call("POST", f"{BASE}/{ANN}/sync")

    assert response.status == 409 and "disabled" in response.json["message"]
    assert _queued(world) == []


def test_mailbox_stop_start_and_enable(world: ApiWorld) -> None:
    world.call("POST", BASE, {"address": ANN})

    stopped = world.call("POST", f"{BASE}/{ANN}/stop")
    started = world.call("POST", f"{BASE}/{ANN}/start")
    enabled = world.call("POST", f"{BASE}/{ANN}/enable")

    assert stopped.json["status"]["disabled"]["reason"] == "user"
    assert started.json["status"]["enabled"] is True
    assert enabled.json["status"]["enabled"] is True


def test_bulk_schedule_sets_one_interval_for_the_selected_kinds_only(world: ApiWorld) -> None:
    # GIVEN mailboxes in an EWS and a Graph integration, one polled far in the future
    world.call("POST", BASE, {"address": ANN})
    world.call("POST", "/integrations/acme/outlook/mailboxes", {"address": BOB})
    ann = MailboxRef(integration="acme/exchange", address=ANN)
    world.engine.state.schedule_poll(ann, world.engine.clock() + timedelta(days=1))
    mailboxes = [
        {"integration": "acme/exchange", "address": ANN},
        {"integration": "acme/outlook", "address": BOB},
        {"integration": "acme/exchange", "address": "nobody@acme.example"},
    ]

    # WHEN the EWS mailboxes among them get a 10-minute interval
    response = world.call(
        "POST", "/schedules", {"poll_interval_seconds": 600, "mailboxes": mailboxes, "kinds": ["ews"]}
    )

    # THEN only the EWS one changed, and its next poll moved within the new interval
    assert response.status == 200
    assert response.json == {
        "updated": [mailboxes[0]],
        "skipped": [mailboxes[1]],
        "not_found": [mailboxes[2]],
        "managed": [],
    }
    found = world.engine.state.get_mailbox(ann)
    assert found is not None and found[0].poll_interval_seconds == 600
    assert found[1].next_poll_at is not None
    assert found[1].next_poll_at <= world.engine.clock() + timedelta(seconds=600)
    bob = world.engine.state.get_mailbox(MailboxRef(integration="acme/outlook", address=BOB))
    assert bob is not None and bob[0].poll_interval_seconds == 300


def test_bulk_schedule_takes_at_most_100_mailboxes(world: ApiWorld) -> None:
    mailboxes = [{"integration": "acme/exchange", "address": f"m{n}@acme.example"} for n in range(101)]

    response = world.call("POST", "/schedules", {"poll_interval_seconds": 600, "mailboxes": mailboxes})

    assert response.status == 422 and response.field_names() == ["body.mailboxes"]


def test_notification_subscriptions_are_recorded_logged_and_removed(world: ApiWorld) -> None:
    # GIVEN a caller with the view permission (being notified is part of viewing,
    # docs/architecture.md#failure-classes)
    # WHEN it subscribes an address, lists, and unsubscribes
    added = world.call(
        "POST",
        "/integrations/acme/exchange/subscriptions",
        {"protocol": "email", "endpoint": "ops@acme.example"},
        as_="view",
    )
    listed = world.call("GET", "/integrations/acme/exchange/subscriptions", as_="view")
    wrong = world.call(
        "POST",
        "/integrations/acme/exchange/subscriptions",
        {"protocol": "https", "endpoint": "http://hook"},
        as_="view",
    )
    removed = world.call(
        "DELETE", f"/integrations/acme/exchange/subscriptions/{added.json['id']}", as_="view"
    )
    again = world.call("DELETE", f"/integrations/acme/exchange/subscriptions/{added.json['id']}", as_="view")

    # THEN
    assert added.status == 201 and added.json["external_id"].startswith("local:")
    assert [s["endpoint"] for s in listed.json] == ["ops@acme.example"]
    assert wrong.status == 422 and wrong.field_names() == ["body.endpoint"]
    assert (removed.status, again.status) == (204, 404)
    assert world.engine.state.list_subscriptions("acme/exchange") == []
