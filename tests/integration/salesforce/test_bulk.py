"""Big backfills through Bulk API 2.0 query jobs (issue 19): above the COUNT() threshold a first
sync reads one job's CSV results, handing out exactly what REST would; below it, for plans with
compound fields, and for incremental polls, REST."""

from __future__ import annotations

from datetime import timedelta

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.sources.salesforce import SalesforceSource
from commsync.sources.salesforce.errors import SalesforceApiError
from emulators.salesforce import SalesforceEmulator
from emulators.salesforce.compound import add_field
from emulators.salesforce.schema import FieldDef
from tests.integration.salesforce.support import T0, open_source, seed_org, sync

pytestmark = pytest.mark.integration
PROPS = "Case.Status, Case.Priority, Case.IsClosed, Case.CaseNumber, Case.Account.Name"


def _cases(emu: SalesforceEmulator, count: int) -> list[str]:
    account = emu.put("Account", {"Name": "Contoso Ltd"})
    return [
        emu.put(
            "Case",
            {
                "Subject": f"Pallet {n} damaged",
                "Description": f'Pallet {n} arrived broken, with a "crushed" corner,\nsee photo.'
                if n % 3
                else "",
                "Status": "New",
                "Priority": "High" if n % 2 else None,
                "IsClosed": n % 5 == 0,
                "AccountId": account if n % 4 else None,
            },
            at=T0 + timedelta(seconds=n // 3),  # runs of three equal stamps
        )
        for n in range(count)
    ]


def test_a_big_first_sync_reads_one_bulk_job_and_hands_out_what_rest_would(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN 1,200 cases, over a bulk threshold of 1,000
    ids = _cases(emu, 1_200)

    # WHEN the first sync runs with Bulk API 2.0 allowed, and another with REST only
    source = open_source(emu, secrets, "Case", property_fields=PROPS, bulk_above_records=1_000)
    source.bulk_chunk = 500
    bulk = sync(source, None)
    created, results, queries = (
        emu.stats["op:bulk_create"],
        emu.stats["op:bulk_results"],
        emu.stats["op:query"],
    )
    rest = sync(open_source(emu, secrets, "Case", property_fields=PROPS, bulk_above_records=0), None)

    # THEN one job was read in three chunks after one COUNT() query, and every record came once
    assert (created, results, queries) == (1, 3, 1)
    assert [c.item_key for c in bulk.changes if c.kind == "upsert"] == sorted(ids, key=ids.index)
    # AND each change is the one REST makes: same MIME, same typed properties, parents included
    by_rest = {c.item_key: c for c in rest.changes if c.kind == "upsert"}
    for change in (c for c in bulk.changes if c.kind == "upsert"):
        twin = by_rest[change.item_key]
        assert (change.mime, dict(change.properties)) == (twin.mime, dict(twin.properties))
    assert any(c.properties.get("string:Account.Name") == "Contoso Ltd" for c in bulk.changes)

    # WHEN a case changes afterwards THEN the incremental poll reads it through REST, no job
    emu.put("Case", {"Id": ids[7], "Status": "Escalated"}, at=T0 + timedelta(days=1))
    emu.stats.reset()
    again = sync(
        open_source(emu, secrets, "Case", property_fields=PROPS, bulk_above_records=1_000), bulk.token
    )
    assert [c.item_key for c in again.changes if c.kind == "upsert"] == [ids[7]]
    assert (emu.stats["op:bulk_create"], emu.stats["op:query"]) == (0, 1)


def test_a_bulk_backfill_cut_short_continues_in_bulk_from_its_checkpoint(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    ids = _cases(emu, 1_200)

    def source() -> SalesforceSource:
        opened = open_source(emu, secrets, "Case", bulk_above_records=500)
        opened.bulk_chunk = 400
        return opened

    first = sync(source(), None, max_pages=1)
    rest = sync(source(), first.token)

    keys = [c.item_key for c in first.changes + rest.changes if c.kind == "upsert"]
    assert keys == sorted(ids, key=ids.index)
    assert emu.stats["op:bulk_create"] == 2  # the 800 left are still above 500: a second job


def test_small_objects_and_compound_fields_stay_on_rest(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN three cases, and a compound field on Case (Bulk API 2.0 refuses them)
    add_field(emu, "Case", FieldDef("ShipTo__c", "address", "Ship To", custom=True))
    seed_org(emu)

    # WHEN a sync below the threshold runs THEN it counts, then queries through REST
    sync(open_source(emu, secrets, "Case", bulk_above_records=1_000), None)
    assert (emu.stats["op:bulk_create"], emu.stats["op:query"]) == (0, 2)

    # WHEN a sync above the threshold reads the compound field THEN it is REST, without a COUNT()
    emu.stats.reset()
    synced = sync(
        open_source(emu, secrets, "Case", bulk_above_records=1, property_fields="Case.ShipTo__c"), None
    )
    assert len([c for c in synced.changes if c.kind == "upsert"]) == 3
    assert (emu.stats["op:bulk_create"], emu.stats["op:query"]) == (0, 1)


def test_the_emulator_refuses_what_bulk_api_2_refuses_and_counts(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a session, and cases with a compound field
    add_field(emu, "Case", FieldDef("ShipTo__c", "address", "Ship To", custom=True))
    for n in range(3):
        emu.put("Case", {"Subject": f"Case {n}", "Status": "New" if n else "Closed"})
    client = open_source(emu, secrets, "Case").client
    jobs = f"{client.data_path}/jobs/query"

    # THEN COUNT() answers the number of rows, and a job refuses COUNT() and compound fields
    count = client.get(
        f"{client.data_path}/query", params={"q": "SELECT COUNT() FROM Case WHERE Status = 'New'"}
    )
    assert (count["totalSize"], count["records"]) == (2, [])
    for soql in ("SELECT COUNT() FROM Case", "SELECT Id, ShipTo__c FROM Case"):
        with pytest.raises(SalesforceApiError) as refused:
            client.post(jobs, {"operation": "query", "query": soql})
        assert refused.value.code == "INVALIDJOB"
    # AND a job's results are not readable before it completes
    job = client.post(jobs, {"operation": "query", "query": "SELECT Id, Subject FROM Case"})
    with pytest.raises(SalesforceApiError, match="INVALIDJOBSTATE"):
        client.get_text(f"{jobs}/{job['id']}/results")
