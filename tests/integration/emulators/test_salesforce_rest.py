"""The Salesforce emulator's REST data resources through requests: the SOQL subset, query paging,
describe, getDeleted, limits and errors with Salesforce's statuses and bodies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from emulators.salesforce import Fault, SalesforceConfig, SalesforceEmulator

pytestmark = pytest.mark.integration

KEY, SECRET = "3MVG9rest.consumer", "Rest-Secret-1"  # test credential
USER = "ops@acme.example"
T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


@dataclass
class Org:
    emu: SalesforceEmulator
    session: requests.Session

    def get(self, path: str, **params: str) -> requests.Response:
        return self.session.get(f"{self.emu.url}/services/data/v60.0{path}", params=params, timeout=10)

    def query(self, soql: str, batch: int | None = None) -> requests.Response:
        headers = {"Sforce-Query-Options": f"batchSize={batch}"} if batch else {}
        return self.session.get(
            f"{self.emu.url}/services/data/v60.0/query", params={"q": soql}, headers=headers, timeout=10
        )


def _org(config: SalesforceConfig | None = None) -> Iterator[Org]:
    emu = SalesforceEmulator(config)
    emu.add_user(USER, "pw-1234")
    emu.add_app(KEY, SECRET, [])
    with emu.serving():
        refresh = emu.refresh_token_for(USER, KEY)
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh,
            "client_id": KEY,
            "client_secret": SECRET,
        }
        token = requests.post(f"{emu.url}/services/oauth2/token", data=form, timeout=10).json()[
            "access_token"
        ]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        yield Org(emu, session)


@pytest.fixture
def org() -> Iterator[Org]:
    yield from _org(SalesforceConfig(min_batch_size=2))


def _error(response: requests.Response) -> tuple[int, str]:
    body: list[dict[str, Any]] = response.json()
    return response.status_code, body[0]["errorCode"]


def test_query_filters_orders_and_pages_through_next_records_url(org: Org) -> None:
    # GIVEN five cases, two sharing a timestamp, and one older
    ids = [org.emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=n // 2)) for n in range(5)]
    org.emu.put("Case", {"Subject": "Old"}, at=T0 - timedelta(days=1))
    soql = "select Id, Subject, SystemModstamp from case where SystemModstamp >= 2024-03-01T09:30:00Z "
    soql += "order by SystemModstamp, Id limit 4"

    # WHEN queried two at a time
    first = org.query(soql, batch=2).json()
    second = org.session.get(f"{org.emu.url}{first['nextRecordsUrl']}", timeout=10).json()

    # THEN the batches follow (SystemModstamp, Id) within the limit, with canonical field names
    assert (first["totalSize"], first["done"], second["done"]) == (4, False, True)
    assert [r["Id"] for r in first["records"] + second["records"]] == ids[:4]
    record = first["records"][0]
    assert record["attributes"] == {"type": "Case", "url": f"/services/data/v60.0/sobjects/Case/{ids[0]}"}
    assert (record["Subject"], record["SystemModstamp"]) == ("Case 0", "2024-03-01T09:30:00.000+0000")
    assert "nextRecordsUrl" not in second


def test_a_cursor_is_a_snapshot_while_records_change(org: Org) -> None:
    for n in range(4):
        org.emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=n))
    first = org.query("SELECT Id FROM Case ORDER BY SystemModstamp", batch=2).json()

    org.emu.put("Case", {"Subject": "Arrived meanwhile"}, at=T0 + timedelta(hours=1))
    rest = org.session.get(f"{org.emu.url}{first['nextRecordsUrl']}", timeout=10).json()

    assert (first["totalSize"], len(rest["records"]), rest["done"]) == (4, 2, True)


@pytest.mark.parametrize(
    ("soql", "status_code"),
    [
        ("SELECT Id, Subjekt FROM Case", (400, "INVALID_FIELD")),
        ("SELECT Id FROM Case WHERE SystemModstamp >= '2024-03-01T09:30:00Z'", (400, "INVALID_FIELD")),
        ("SELECT Id FROM Case ORDER BY Description", (400, "INVALID_FIELD")),
        ("SELECT Id FROM Complaint__c", (400, "INVALID_TYPE")),
        (
            "SELECT Id FROM Case WHERE Status = 'New' AND Priority = 'Low' OR Status = 'Closed'",
            (400, "MALFORMED_QUERY"),
        ),
        ("SELECT Id FROM Case WHERE Subject LIKE 3", (400, "MALFORMED_QUERY")),
        ("SELECT Id FROM Case WHERE ClosedDate = LAST_N_WEEKS:2", (400, "MALFORMED_QUERY")),
        ("SELECT Id FROM Case WHERE IsClosed LIKE 'x%'", (400, "INVALID_FIELD")),
        ("SELECT MAX(ClosedDate) FROM Case", (400, "MALFORMED_QUERY")),
        ("SELECT FIELDS(ALL) FROM Case", (400, "MALFORMED_QUERY")),
        ("SELECT Id FROM Case OFFSET 2001", (400, "NUMBER_OUTSIDE_VALID_RANGE")),
        ("SELECT Id FROM Case GROUP BY Status", (400, "MALFORMED_QUERY")),
        ("SELECT Id, Account.Owner.Name FROM Case", (400, "MALFORMED_QUERY")),
        ("SELECT Id FROM Case WHERE Account.Name = 'Contoso'", (400, "MALFORMED_QUERY")),
        ("SELECT Id, Acount.Name FROM Case", (400, "INVALID_FIELD")),
        ("SELECT Id, Account.Nmae FROM Case", (400, "INVALID_FIELD")),
        ("SELECT Id, Owner.Industry FROM Case", (400, "INVALID_FIELD")),
        ("SELECT Id FROM Case WHERE Subject IN ('a', 2)", (400, "INVALID_FIELD")),
        ("DELETE FROM Case", (400, "MALFORMED_QUERY")),
    ],
)
def test_queries_outside_the_subset_or_the_schema_fail_as_salesforce_fails(
    org: Org, soql: str, status_code: tuple[int, str]
) -> None:
    assert _error(org.query(soql)) == status_code


def test_parent_fields_come_nested_under_the_relationship_or_null(org: Org) -> None:
    # GIVEN a case of an account owned by a queue, and a case with neither
    account = org.emu.put("Account", {"Name": "Contoso Ltd", "Industry": "Retail"}, at=T0)
    queue = org.emu.put("Group", {"Name": "Billing Queue", "Type": "Queue"}, at=T0)
    with_parent = org.emu.put("Case", {"Subject": "Refund", "AccountId": account, "OwnerId": queue}, at=T0)
    orphan = org.emu.put("Case", {"Subject": "Login"}, at=T0 + timedelta(seconds=1))

    # WHEN parent fields are selected (in any case) and cases are picked by Id IN (...)
    soql = "SELECT Id, account.name, Account.Industry, Owner.Name FROM Case WHERE Id IN ('{}', '{}')"
    records = org.query(soql.format(with_parent, orphan) + " ORDER BY SystemModstamp").json()["records"]

    # THEN each parent is one nested record with canonical names; a polymorphic one is typed Name
    assert records[0]["Account"] == {
        "attributes": {"type": "Account", "url": f"/services/data/v60.0/sobjects/Account/{account}"},
        "Name": "Contoso Ltd",
        "Industry": "Retail",
    }
    assert records[0]["Owner"]["attributes"]["type"] == "Name"
    assert records[0]["Owner"]["Name"] == "Billing Queue"
    assert (records[1]["Account"], records[1]["Owner"]) == (None, None)


def test_a_late_transaction_shows_its_records_at_commit_with_its_start_stamp(org: Org) -> None:
    org.emu.clock = lambda: T0
    transaction = org.emu.begin()
    staged = transaction.put("Case", {"Subject": "Imported by a long job"})
    org.emu.put("Case", {"Subject": "Saved meanwhile"}, at=T0 + timedelta(minutes=3))
    soql = "SELECT Id, SystemModstamp FROM Case ORDER BY SystemModstamp"
    before = org.query(soql).json()["records"]

    transaction.commit()

    after = org.query(soql).json()["records"]
    assert staged not in {r["Id"] for r in before}
    assert (after[0]["Id"], after[0]["SystemModstamp"]) == (staged, "2024-03-01T09:30:00.000+0000")


def test_describe_lists_standard_fields_and_unknown_objects_are_not_found(org: Org) -> None:
    described = org.get("/sobjects/emailmessage/describe").json()

    names = {f["name"] for f in described["fields"]}
    assert described["name"] == "EmailMessage" and described["keyPrefix"] == "02s"
    assert {"FromAddress", "ToAddress", "MessageIdentifier", "ParentId", "SystemModstamp"} <= names
    parent = next(f for f in described["fields"] if f["name"] == "ParentId")
    assert (parent["relationshipName"], parent["referenceTo"]) == ("Parent", ["Case"])
    assert _error(org.get("/sobjects/Complaint__c/describe")) == (404, "NOT_FOUND")


def test_get_deleted_reads_the_delete_log_by_whole_minutes(org: Org) -> None:
    # GIVEN a case deleted at 10:05:30 by the emulator's clock
    now = [datetime(2024, 3, 4, 10, 7, 10, tzinfo=UTC)]
    org.emu.clock = lambda: now[0]
    gone = org.emu.put("Case", {"Subject": "Spam"}, at=T0)
    org.emu.delete("Case", gone, at=datetime(2024, 3, 4, 10, 5, 30, tzinfo=UTC))

    # WHEN windows are asked that end before and after it (seconds are ignored)
    before = org.get(
        "/sobjects/Case/deleted/", start="2024-03-04T10:00:00Z", end="2024-03-04T10:05:59Z"
    ).json()
    after = org.get(
        "/sobjects/Case/deleted/", start="2024-03-04T10:05:00Z", end="2024-03-04T10:30:00Z"
    ).json()

    # THEN only the second covers it, and it covers only up to the emulator's present minute
    assert before["deletedRecords"] == []
    assert after["deletedRecords"] == [{"id": gone, "deletedDate": "2024-03-04T10:05:30.000+0000"}]
    assert after["latestDateCovered"] == "2024-03-04T10:07:00.000+0000"
    assert org.query("SELECT Id FROM Case").json()["totalSize"] == 0
    old = org.get("/sobjects/Case/deleted/", start="2024-01-01T00:00:00Z", end="2024-03-04T10:00:00Z")
    assert _error(old) == (400, "INVALID_REPLICATION_DATE")


def test_every_call_reports_and_spends_the_daily_allocation() -> None:
    for org in _org(SalesforceConfig(api_requests_per_day=2)):
        first, second, third = (org.get("/limits") for _ in range(3))

        assert first.headers["Sforce-Limit-Info"] == "api-usage=1/2"
        assert second.json()["DailyApiRequests"] == {"Max": 2, "Remaining": 0}
        assert _error(third) == (403, "REQUEST_LIMIT_EXCEEDED")
        assert org.emu.api_usage() == 2


def test_faults_fail_the_next_calls_then_the_org_behaves(org: Org) -> None:
    org.emu.faults.fail_next(Fault.RATE_LIMIT)
    org.emu.faults.fail_next(Fault.UNAVAILABLE)

    answers = [org.get("/limits") for _ in range(3)]

    assert [_error(a) for a in answers[:2]] == [(403, "REQUEST_LIMIT_EXCEEDED"), (503, "SERVER_UNAVAILABLE")]
    assert answers[2].status_code == 200


def test_a_missing_or_expired_session_is_invalid_session_id(org: Org) -> None:
    anonymous = requests.get(f"{org.emu.url}/services/data/v60.0/limits", timeout=10)
    org.emu.faults.fail_next(Fault.SESSION_EXPIRED)
    expired = org.get("/limits")
    after = org.get("/limits")

    assert _error(anonymous) == (401, "INVALID_SESSION_ID")
    assert _error(expired) == _error(after) == (401, "INVALID_SESSION_ID")


def test_an_idle_query_locator_expires(org: Org) -> None:
    for n in range(3):
        org.emu.put("Case", {"Subject": f"Case {n}"}, at=T0)
    first = org.query("SELECT Id FROM Case", batch=2).json()

    org.emu.advance(timedelta(minutes=16))
    late = org.session.get(f"{org.emu.url}{first['nextRecordsUrl']}", timeout=10)

    assert _error(late) == (400, "INVALID_QUERY_LOCATOR")


def test_versions_are_listed_and_unknown_versions_are_not_found(org: Org) -> None:
    versions = requests.get(f"{org.emu.url}/services/data/", timeout=10).json()
    unknown = org.session.get(f"{org.emu.url}/services/data/v99.0/limits", timeout=10)

    assert versions[-1] == {"label": "v60.0", "url": "/services/data/v60.0", "version": "60.0"}
    assert _error(unknown) == (404, "NOT_FOUND")
