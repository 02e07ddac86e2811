"""Resync of Salesforce comments (issues 10 and 11): the API's resync route queues a job that reads
the records again (`refetch`) and rebuilds the same comments as the first sync, user properties
(record id and URL, configured fields, parent fields) included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commsync.local_mode import drain, run_once
from commsync.models.usage import usage_period
from commsync.services.poll import PollStatus
from tests.integration.salesforce.support import T0, seed_org
from tests.integration.salesforce.world import BUCKET, World, connect

pytestmark = pytest.mark.integration


def test_a_resync_rebuilds_the_same_comments_with_their_salesforce_properties(world: World) -> None:
    # GIVEN an org whose first case belongs to an account, synced with own and parent fields
    ids = seed_org(world.emu)
    account = world.emu.put("Account", {"Name": "Contoso Ltd"}, at=T0)
    world.emu.put("Case", {"Id": ids["Case"][0], "AccountId": account}, at=T0 + timedelta(seconds=1))
    connect(
        world,
        property_fields="Case.Status, Case.Account.Name, EmailMessage.Status, EmailMessage.Parent.CaseNumber",
    )
    assert {o.status for o in run_once(world.local.runtime).values()} == {PollStatus.DONE}
    by_record = {c["user_properties"]["string:Salesforce Id"]: c for c in world.comments().values()}
    case, email = by_record[ids["Case"][0]], by_record[ids["EmailMessage"][0]]
    state = world.local.runtime.engine.state
    units = state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units

    # WHEN both comments are resynced through the API
    queued = world("POST", f"/buckets/{BUCKET}/comments/resync", json={"ids": [case["id"], email["id"]]})
    assert queued.status_code == 202, queued.text
    outcomes = drain(world.local.runtime)

    # THEN each was rebuilt (one per object's job) and is the comment of the first sync: same
    # text, thread and user properties, which include the ones only the record can give
    assert {o.status for o in outcomes.values()} == {PollStatus.DONE}
    assert sorted(o.counts.updated for o in outcomes.values()) == [1, 1]
    after = world.comments()
    for before in (case, email):
        rebuilt = after[before["id"]]
        assert rebuilt["user_properties"] == before["user_properties"]
        assert (rebuilt["messages"], rebuilt["thread_id"]) == (before["messages"], before["thread_id"])
    assert case["user_properties"]["string:Account.Name"] == "Contoso Ltd"
    number = next(r["CaseNumber"] for r in world.emu.records("Case") if r["Id"] == ids["Case"][0])
    assert email["user_properties"]["string:Parent.CaseNumber"] == number
    assert email["user_properties"]["string:Salesforce URL"].endswith(ids["EmailMessage"][0])
    # AND the unchanged text cost no AI unit
    assert state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units == units


def test_a_record_deleted_since_is_rebuilt_from_its_stored_mime_with_its_properties(world: World) -> None:
    # GIVEN a synced case, then deleted in Salesforce
    ids = seed_org(world.emu)
    connect(world, property_fields="Case.Status")
    assert {o.status for o in run_once(world.local.runtime).values()} == {PollStatus.DONE}
    case = next(
        c for c in world.comments().values() if c["user_properties"]["string:Salesforce Id"] == ids["Case"][0]
    )
    world.emu.delete("Case", ids["Case"][0])

    # WHEN its comment is resynced
    queued = world("POST", f"/buckets/{BUCKET}/comments/resync", json={"ids": [case["id"]]})
    assert queued.status_code == 202, queued.text
    assert {o.status for o in drain(world.local.runtime).values()} == {PollStatus.DONE}

    # THEN it is rebuilt from the MIME stored at its first sync, its Salesforce properties kept
    rebuilt = world.comments()[case["id"]]
    assert rebuilt["user_properties"] == case["user_properties"]
    assert rebuilt["user_properties"]["string:Status"]
    assert rebuilt["messages"] == case["messages"]
