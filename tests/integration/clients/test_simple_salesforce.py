"""simple-salesforce 1.12 against the Salesforce emulator over HTTPS: one test per documented call
(its README's "Examples"), with the library's own requests, URLs and error classes.

The recipe (emulators/salesforce/README.md): start the emulator with TLS, trust its certificate on
the requests session simple-salesforce is given (with `trust_env = False`, or REQUESTS_CA_BUNDLE
overrides it), log in with `token_login` at the emulator's
/services/oauth2/token (the client credentials flow, credentials in an HTTP Basic header, as
`Salesforce(consumer_key=, consumer_secret=, domain=)` sends them), then
`Salesforce(instance_url=emulator URL, session_id=token, session=session)`.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql
from simple_salesforce.login import token_login

from emulators.salesforce import Fault, SalesforceConfig, SalesforceEmulator
from emulators.tls import self_signed

pytestmark = pytest.mark.integration

KEY, SECRET = "3MVG9client.credentials", "Client-Secret-0042"  # test credential
USER = "integration@acme.example"


@dataclass
class Org:
    emu: SalesforceEmulator
    sf: Salesforce
    session: requests.Session

    def sobject(self, name: str) -> SFType:
        """`sf.Case`: simple-salesforce's attribute access, typed."""
        return cast(SFType, getattr(self.sf, name))


def _login(emu: SalesforceEmulator, session: requests.Session) -> tuple[str, str]:
    basic = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
    return token_login(
        f"{emu.url}/services/oauth2/token",
        {"grant_type": "client_credentials"},
        "login",
        KEY,
        {"Authorization": f"Basic {basic}"},
        None,
        session,
    )


@pytest.fixture
def org(tmp_path: Path) -> Iterator[Org]:
    # Batches of two, so query_all and query_more page.
    emu = SalesforceEmulator(SalesforceConfig(min_batch_size=1, max_batch_size=2))
    emu.add_user(USER, "Unused-Pa55")
    emu.add_app(KEY, SECRET, scopes=["api"], client_credentials_user=USER)
    with emu.serving(tls=self_signed(tmp_path / "tls")):
        session = requests.Session()
        # requests lets REQUESTS_CA_BUNDLE (set on many machines) override session.verify.
        session.trust_env = False
        session.verify = str(tmp_path / "tls" / "cert.pem")
        token, _ = _login(emu, session)
        assert emu.url is not None
        yield Org(emu, Salesforce(instance_url=emu.url, session_id=token, session=session), session)


def _cases(org: Org, count: int) -> list[str]:
    now = datetime.now(UTC)
    return [
        org.emu.put("Case", {"Subject": f"Case {n}", "Status": "New"}, at=now - timedelta(minutes=10 - n))
        for n in range(count)
    ]


def test_client_credentials_in_a_basic_header_log_in_as_the_run_as_user(org: Org) -> None:
    token, instance = _login(org.emu, org.session)
    assert instance == org.emu.url.removeprefix("https://")  # type: ignore[union-attr]
    assert token.startswith(org.emu.org().id[:15] + "!")


def test_query_answers_the_first_batch_and_query_more_follows_next_records_url(org: Org) -> None:
    ids = _cases(org, 3)
    first = org.sf.query("SELECT Id FROM Case ORDER BY SystemModstamp")
    more = org.sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert (first["totalSize"], first["done"], more["done"]) == (3, False, True)
    assert [r["Id"] for r in first["records"] + more["records"]] == ids


def test_query_all_and_query_all_iter_read_every_page(org: Org) -> None:
    ids = _cases(org, 5)
    soql = "SELECT Id, Subject FROM Case ORDER BY SystemModstamp"
    assert [r["Id"] for r in org.sf.query_all(soql)["records"]] == ids
    assert [r["Id"] for r in org.sf.query_all_iter(soql)] == ids


def test_include_deleted_reads_the_recycle_bin_through_query_all(org: Org) -> None:
    kept, gone = _cases(org, 2)
    org.emu.delete("Case", gone)
    soql = "SELECT Id, IsDeleted FROM Case ORDER BY Id"
    assert [r["Id"] for r in org.sf.query_all(soql)["records"]] == [kept]
    both = org.sf.query_all(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in both] == [(kept, False), (gone, True)]


def test_describe_lists_the_orgs_objects(org: Org) -> None:
    described: Any = org.sf.describe()
    names = {o["name"] for o in described["sobjects"]}
    assert {"Case", "EmailMessage", "Account"} <= names
    assert described["encoding"] == "UTF-8"


def test_object_describe_carries_what_clients_read_of_fields_and_relationships(org: Org) -> None:
    case = org.sobject("Case").describe()
    fields = {f["name"]: f for f in case["fields"]}
    assert fields["Status"]["picklistValues"][0]["value"] == "New"
    assert (fields["Id"]["soapType"], fields["Subject"]["createable"]) == ("tns:ID", True)
    assert fields["CaseNumber"]["createable"] is False
    assert {"childSObject": "EmailMessage", "relationshipName": "EmailMessages"}.items() <= next(
        r for r in case["childRelationships"] if r["field"] == "ParentId"
    ).items()
    html = {f["name"]: f["htmlFormatted"] for f in org.sobject("EmailMessage").describe()["fields"]}
    assert (html["HtmlBody"], html["TextBody"]) == (True, False)
    described: Any = org.sf.restful("sobjects/Case/describe/")
    assert described["name"] == "Case"


def test_object_metadata_answers_its_basic_information(org: Org) -> None:
    assert org.sobject("Case").metadata()["objectDescribe"]["keyPrefix"] == "500"


def test_get_reads_one_record_and_a_deleted_one_is_not_found(org: Org) -> None:
    case_id = _cases(org, 1)[0]
    record = org.sobject("Case").get(case_id)
    assert (record["Id"], record["Subject"], record["attributes"]["type"]) == (case_id, "Case 0", "Case")
    assert set(org.sobject("Case").get(case_id[:15], params={"fields": "Subject"})) == {
        "attributes",
        "Subject",
    }
    org.emu.delete("Case", case_id)
    with pytest.raises(SalesforceResourceNotFound) as raised:
        org.sobject("Case").get(case_id)
    content: Any = raised.value.content
    assert content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_updated_and_deleted_list_ids_within_the_window(org: Org) -> None:
    changed, removed = _cases(org, 2)
    # Get Deleted covers whole minutes up to the current one (latestDateCovered).
    org.emu.delete("Case", removed, at=datetime.now(UTC) - timedelta(minutes=2))
    end = datetime.now(UTC) + timedelta(minutes=2)
    start = end - timedelta(hours=1)
    updated = org.sobject("Case").updated(start, end)
    deleted = org.sobject("Case").deleted(start, end)
    assert updated["ids"] == [changed]
    assert [r["id"] for r in deleted["deletedRecords"]] == [removed]
    assert "latestDateCovered" in updated and "earliestDateAvailable" in deleted


def test_limits_and_api_usage_report_the_daily_allocation(org: Org) -> None:
    limits = org.sf.limits()
    assert limits["DailyApiRequests"]["Max"] == 100_000
    usage: Any = org.sf.api_usage["api-usage"]
    assert (usage.used, usage.total) == (1, 100_000)


def test_userinfo_and_the_identity_url_name_the_run_as_user(org: Org) -> None:
    info: Any = org.sf.oauth2("userinfo")
    assert info["preferred_username"] == USER
    identity = org.session.get(info["sub"], headers={"Authorization": f"Bearer {org.sf.session_id}"})
    assert (identity.status_code, identity.json()["username"]) == (200, USER)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("Subject LIKE '%{:like}' OR Status = 'Closed'", [1, 3]),
        ("(Status = 'New' AND Priority IN ('High', 'Low')) OR Subject = 'Case 0'", [0, 2]),
        # As in SOQL (unlike SQL), NOT IN and != keep a record whose field is null (case 4).
        ("Status NOT IN ('Closed') AND NOT Subject = 'Case 0'", [1, 2, 4]),
        ("SystemModstamp = LAST_N_DAYS:1 AND CreatedDate < TOMORROW", [0, 1, 2, 3, 4]),
    ],
)
def test_soql_conditions_beyond_and_filter_as_salesforce_does(
    org: Org, where: str, expected: list[int]
) -> None:
    rows = [("New", "High"), ("New", "Medium"), ("New", "Low"), ("Closed", "Low")]
    ids = [
        org.emu.put("Case", {"Subject": f"Case {n}", "Status": s, "Priority": p})
        for n, (s, p) in enumerate(rows)
    ]
    ids[1] = org.emu.put("Case", {"Id": ids[1], "Subject": "Printer 100%"})
    # format_soql escapes the % of "100%", so only a subject ending in "100%" matches.
    ids.append(org.emu.put("Case", {"Subject": "100 units"}))
    soql = format_soql(f"SELECT Id FROM Case WHERE {where} ORDER BY Id", "100%")  # noqa: S608 - test SOQL
    assert [r["Id"] for r in org.sf.query_all(soql)["records"]] == [ids[n] for n in expected]


def test_count_offset_and_fields_standard(org: Org) -> None:
    ids = _cases(org, 4)
    assert org.sf.query("SELECT COUNT() FROM Case WHERE Status = 'New'")["totalSize"] == 4
    page = org.sf.query_all("SELECT Id FROM Case ORDER BY SystemModstamp LIMIT 2 OFFSET 1")["records"]
    assert [r["Id"] for r in page] == ids[1:3]
    record = org.sf.query("SELECT FIELDS(STANDARD) FROM Case LIMIT 1")["records"][0]
    assert {"Id", "Subject", "CaseNumber", "SystemModstamp"} <= set(record)


def test_malformed_soql_raises_malformed_request_naming_the_token(org: Org) -> None:
    with pytest.raises(SalesforceMalformedRequest) as raised:
        org.sf.query("SELECT Id FROM Case WHERE Status = 'New' AND Subject = 'a' OR Subject = 'b'")
    content: Any = raised.value.content
    error = content[0]
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"].endswith("unexpected token: 'OR'")


def test_an_expired_session_and_a_spent_allocation_raise_their_errors(org: Org) -> None:
    org.emu.faults.fail_next(Fault.RATE_LIMIT)
    with pytest.raises(SalesforceRefusedRequest):
        org.sf.limits()
    org.emu.expire_sessions()
    with pytest.raises(SalesforceExpiredSession):
        org.sf.query("SELECT Id FROM Case")
