"""Updated Salesforce records and what a sync makes of them (issue 19): changed properties rewrite
the comment at no AI unit, a changed body is a text update; a resume inside a run of equal stamps
starts at (SystemModstamp, Id); compound fields become structured properties; an object without
a body field is refused naming its text fields; query batches are not the poller's page size;
the API usage warning fires on the first crossing."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.errors import IntegrationError
from commsync.local_mode import run_once
from commsync.models import MailboxRef
from commsync.models.usage import usage_period
from commsync.observability import logger as commsync_logger
from commsync.sources.salesforce import SalesforceSource
from emulators.salesforce import SalesforceConfig, SalesforceEmulator
from emulators.salesforce.compound import add_field, recalculate
from emulators.salesforce.config import FieldConfig, ObjectConfig, OrgConfig
from emulators.salesforce.schema import FieldDef
from tests.integration.salesforce.support import (
    T0,
    Synced,
    connected_secrets,
    open_source,
    prepare,
    seed_org,
    sync,
)
from tests.integration.salesforce.world import World, connect

pytestmark = pytest.mark.integration


def _units(world: World) -> int:
    return world.local.runtime.engine.state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units


def _case_comment(world: World, record_id: str) -> dict[str, object]:
    return next(
        c for c in world.comments().values() if c["user_properties"]["string:Salesforce Id"] == record_id
    )


def test_a_property_change_rewrites_properties_free_and_a_body_change_costs_one_unit(world: World) -> None:
    # GIVEN a synced org
    ids = seed_org(world.emu)
    connect(world)
    run_once(world.local.runtime)
    case = ids["Case"][0]
    first = _case_comment(world, case)
    units = _units(world)

    # WHEN the case's priority changes
    world.emu.put("Case", {"Id": case, "Priority": "High"}, at=T0 + timedelta(days=1))
    by_status = run_once(world.local.runtime)

    # THEN its comment says so, same id and text, at no AI unit
    changed = _case_comment(world, case)
    assert changed["id"] == first["id"] and changed["messages"] == first["messages"]
    assert changed["user_properties"]["string:Priority"] == "High"  # type: ignore[index]
    assert changed["created_at"] == first["created_at"] and changed["updated_at"] != first["updated_at"]
    assert sum(o.counts.updated for o in by_status.values()) == 1
    assert _units(world) == units

    # WHEN its description (the body) is edited
    world.emu.put("Case", {"Id": case, "Description": "Refund one, please."}, at=T0 + timedelta(days=2))
    run_once(world.local.runtime)

    # THEN the comment's text is the new one and that costs one AI unit, as a text update
    edited = _case_comment(world, case)
    assert edited["id"] == first["id"]
    assert "Refund one, please." in edited["messages"][0]["body"]["text"]  # type: ignore[index]
    assert edited["user_properties"]["string:Priority"] == "High"  # type: ignore[index]
    assert _units(world) == units + 1

    # WHEN nothing changes THEN the next poll writes nothing and charges nothing
    again = run_once(world.local.runtime)
    assert sum(o.counts.updated + o.counts.created for o in again.values()) == 0
    assert _units(world) == units + 1


def test_a_resume_inside_a_run_of_equal_stamps_starts_at_the_last_id(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN 900 cases saved in one transaction (more than the window remembers), then one later
    same = [emu.put("Case", {"Subject": f"Mass update {n}"}, at=T0) for n in range(900)]
    after = emu.put("Case", {"Subject": "Afterwards"}, at=T0 + timedelta(minutes=1))

    def source() -> SalesforceSource:
        opened = open_source(emu, secrets, "Case", query_batch_size=200)
        opened.max_seen = 50
        return opened

    # WHEN a poll stops after two batches (400 records), and the next resumes from its token
    first = sync(source(), None, max_pages=2)
    emu.stats.reset()
    rest = sync(source(), first.token)

    # THEN nothing is repeated or missed, and the resume read only the 500 records after the mark:
    # 3 batches of the rest of the run, and one query past it (not the run again from its start)
    keys = [c.item_key for c in first.changes + rest.changes if c.kind == "upsert"]
    assert keys == [*sorted(same), after]
    assert emu.stats["op:query"] + emu.stats["op:query_more"] == 4


def test_compound_fields_become_one_property_per_component(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a case with an address and a location (compound fields: JSON objects in REST answers)
    add_field(emu, "Case", FieldDef("ShipTo__c", "address", "Ship To", custom=True))
    add_field(emu, "Case", FieldDef("Site__c", "location", "Site", custom=True))
    address = {
        "street": "Baarerstrasse 1",
        "city": "Zug",
        "postalCode": "6300",
        "country": "CH",
        "state": None,
    }
    emu.put(
        "Case",
        {"Subject": "Pallets", "ShipTo__c": address, "Site__c": {"latitude": 47.17, "longitude": 8.51}},
    )

    # WHEN it syncs with both as property fields
    (change,) = sync(
        open_source(emu, secrets, "Case", property_fields="Case.ShipTo__c, Case.Site__c"), None
    ).changes

    # THEN each component is its own property, typed; no Python repr of a dict anywhere
    props = dict(change.properties)
    assert props["string:ShipTo__c.city"] == "Zug"
    assert props["string:ShipTo__c.street"] == "Baarerstrasse 1"
    assert (props["number:Site__c.latitude"], props["number:Site__c.longitude"]) == (47.17, 8.51)
    assert "string:ShipTo__c.state" not in props
    assert not [v for v in props.values() if isinstance(v, str) and v.startswith("{")]


def test_an_object_without_a_body_field_is_refused_naming_its_text_fields(tmp_path: Path) -> None:
    # GIVEN a custom object whose text lives in fields the defaults (Description, Body, Comments)
    # cannot match
    complaint = ObjectConfig(
        label="Complaint",
        fields=[
            FieldConfig(name="Summary__c", type="string"),
            FieldConfig(name="Details__c", type="textarea"),
            FieldConfig(name="Severity__c", type="double"),
        ],
    )
    emu = SalesforceEmulator(
        SalesforceConfig(orgs=[OrgConfig(name="Acme", objects={"Complaint__c": complaint})])
    )
    prepare(emu)
    with emu.serving():
        source = open_source(emu, connected_secrets(emu, tmp_path), "Complaint__c")

        # WHEN it is planned THEN it is refused before any query, the text fields named
        with pytest.raises(IntegrationError, match=r"options\.body_fields") as refused:
            source.folders(None)
        assert emu.stats["op:query"] == 0
    message = str(refused.value)
    assert "Details__c" in message and "Summary__c" in message and "Severity__c" not in message
    assert 'body_fields = "Complaint__c.Details__c"' in message


def test_query_batches_are_two_thousand_records_whatever_the_page_size(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    for n in range(4_100):
        emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=n))

    synced = sync(open_source(emu, secrets, "Case", bulk_above_records=0), None, page_size=100)

    assert len([c for c in synced.changes if c.kind == "upsert"]) == 4_100
    assert (emu.stats["op:query"], emu.stats["op:query_more"]) == (1, 2)  # 2,000 + 2,000 + 100


def test_the_usage_warning_fires_when_usage_crosses_ninety_percent_mid_poll(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # GIVEN an org with 6 API calls a day, and 900 cases read in batches of 200 (5 calls)
    emu = SalesforceEmulator(SalesforceConfig(api_requests_per_day=6))
    prepare(emu)
    with emu.serving():
        for n in range(900):
            emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=n))
        source = open_source(
            emu, connected_secrets(emu, tmp_path), "Case", query_batch_size=200, bulk_above_records=0
        )
        (folder,) = source.folders(None).folders
        assert source.client.api_usage is not None
        used, allocation = source.client.api_usage
        assert used < 0.9 * allocation  # below the mark when the poll starts

        # WHEN the poll's calls cross 90 %
        with caplog.at_level(logging.WARNING, logger=commsync_logger.name):
            for _ in source.changes(folder, None, 100):
                pass
        assert source.client.api_usage[0] >= 0.9 * allocation  # ... and past it when it ends

    # THEN the warning came, once
    warned = [r for r in caplog.records if "near its daily API request limit" in r.getMessage()]
    assert len(warned) == 1


def test_formula_fields_are_read_again_on_their_schedule(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN cases with a formula field (its value changes without SystemModstamp moving), one of
    # them changed 40 days before now, synced with an hourly formula refresh over 30 days
    add_field(emu, "Case", FieldDef("Age_Days__c", "double", "Age (days)", custom=True, calculated=True))
    now = [T0 + timedelta(days=1)]
    old = emu.put("Case", {"Subject": "Old"}, at=T0 - timedelta(days=40))
    recent = [emu.put("Case", {"Subject": f"Recent {n}"}, at=T0 + timedelta(minutes=n)) for n in range(3)]
    recalculate(emu, "Case", recent[0], {"Age_Days__c": 1})

    def poll(token: str | None) -> Synced:
        source = open_source(
            emu,
            secrets,
            "Case",
            clock=lambda: now[0],
            property_fields="Case.Age_Days__c",
            formula_refresh_seconds=3600,
            formula_refresh_days=30,
        )
        return sync(source, token)

    first = poll(None)
    assert len([c for c in first.changes if c.kind == "upsert"]) == 4

    # WHEN the formula's value changes and a poll runs before the refresh is due
    recalculate(emu, "Case", recent[0], {"Age_Days__c": 2})
    now[0] += timedelta(minutes=30)
    early = poll(first.token)
    # THEN nothing moved SystemModstamp, so nothing is read
    assert [c for c in early.changes if c.kind == "upsert"] == []

    # WHEN the refresh is due
    now[0] += timedelta(hours=1)
    due = poll(early.token)

    # THEN the records changed in the last 30 days are read again, the formula's new value with them
    by_id = {c.item_key: c for c in due.changes if c.kind == "upsert"}
    assert sorted(by_id) == sorted(recent) and old not in by_id
    assert by_id[recent[0]].properties["number:Age_Days__c"] == 2
    # AND the next poll, within the hour, reads nothing again
    now[0] += timedelta(minutes=5)
    assert [c for c in poll(due.token).changes if c.kind == "upsert"] == []


def _rewind_delete_log(world: World, address: str, minutes: int) -> None:
    """GIVEN the object's delete log was last read `minutes` ago (getDeleted windows are whole
    minutes of the source's clock, which a test cannot move)."""
    state = world.local.runtime.engine.state
    ref = MailboxRef(integration="acme/crm", address=address)
    checkpoint = state.get_checkpoint(ref, address)
    assert checkpoint is not None
    token = json.loads(checkpoint.token)
    token["del"] = (
        (datetime.now(UTC) - timedelta(minutes=minutes)).replace(second=0, microsecond=0).isoformat()
    )
    rewound = checkpoint.model_copy(update={"token": json.dumps(token, separators=(",", ":"))})
    assert state.put_checkpoint(rewound)  # compare-and-set on the revision just read


def test_a_deleted_record_is_marked_after_the_next_complete_poll(world: World) -> None:
    # GIVEN an org synced with deletions = "mark"
    ids = seed_org(world.emu)
    connect(world, deletions="mark")
    run_once(world.local.runtime)
    _rewind_delete_log(world, "case", minutes=5)

    # WHEN a case is deleted in Salesforce
    world.emu.delete("Case", ids["Case"][1], at=datetime.now(UTC) - timedelta(minutes=2))
    run_once(world.local.runtime)
    assert "string:Deleted At" not in _case_comment(world, ids["Case"][1])["user_properties"]  # type: ignore[operator]
    run_once(world.local.runtime)

    # THEN getDeleted reported it, and its comment is marked; the others are not
    assert "string:Deleted At" in _case_comment(world, ids["Case"][1])["user_properties"]  # type: ignore[operator]
    assert "string:Deleted At" not in _case_comment(world, ids["Case"][0])["user_properties"]  # type: ignore[operator]
