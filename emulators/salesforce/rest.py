"""The REST data resources under /services/data (REST API Developer Guide):

GET /services/data/                                   versions
GET /services/data/vXX.X/limits                       DailyApiRequests
GET /services/data/vXX.X/query?q=SOQL                 Query (soql.py, query.py)
GET /services/data/vXX.X/query/<locator>-<offset>     Query More Results (nextRecordsUrl)
GET /services/data/vXX.X/sobjects/<Object>/describe   sObject Describe
GET /services/data/vXX.X/sobjects/<Object>/deleted/?start=&end=   sObject Get Deleted
    /services/data/vXX.X/jobs/query...                  Bulk API 2.0 query jobs (bulk.py)

Every data call needs `Authorization: Bearer <session>` (401 INVALID_SESSION_ID otherwise), counts
against the org's daily allocation (403 REQUEST_LIMIT_EXCEEDED once spent) and answers
`Sforce-Limit-Info: api-usage=N/M`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from emulators.salesforce import bulk, errors, query, soql
from emulators.salesforce.deleted import get_deleted
from emulators.salesforce.errors import ApiError
from emulators.salesforce.faults import Fault, error_for
from emulators.salesforce.responses import HttpResponse, json_response
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.store import Org, Table

_VERSION = re.compile(r"^v(\d{2})\.0$")
_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)
# The oldest version the emulator answers; the newest is the config's api_version.
OLDEST_VERSION = 31


@dataclass(frozen=True)
class RestRequest:
    state: SalesforceState
    parts: list[str]  # the path after /services/data, split on "/"
    query: dict[str, str]
    authorization: str | None
    query_options: str | None
    method: str = "GET"
    body: bytes = b""


def handle_rest(request: RestRequest) -> HttpResponse:
    state = request.state
    if request.parts in ([], [""]):
        state.stats.count("op:versions")
        return json_response(200, _versions(state))
    token = (request.authorization or "").removeprefix("Bearer ").strip()
    session = state.grants.session(token, state.now()) if token else None
    if session is None:
        return _error(errors.invalid_session())
    org = session.grant.org
    used, allowed = state.count_api_call(org)
    limit_info = ("Sforce-Limit-Info", f"api-usage={used}/{state.config.api_requests_per_day}")
    if not allowed:
        return _error(errors.request_limit()).with_header(*limit_info)
    state.stats.count("api_calls")
    fault = state.faults.take()
    if fault is not None:
        state.stats.count("faults", f"fault:{fault}")
        if fault is Fault.SESSION_EXPIRED:
            state.grants.revoke(token)
        return _error(error_for(fault)).with_header(*limit_info)
    if request.parts[1:3] == ["jobs", "query"]:
        jobs = bulk.handle_bulk(state, org, request.method, request.parts[3:], request.query, request.body)
        return jobs.with_header(*limit_info)
    if request.method != "GET":
        return _error(errors.not_found()).with_header(*limit_info)
    try:
        response = json_response(200, _route(request, org))
    except ApiError as error:
        response = _error(error)
    return response.with_header(*limit_info)


def _error(error: ApiError) -> HttpResponse:
    return json_response(error.status, error.body())


def _route(request: RestRequest, org: Org) -> Any:
    version, rest = request.parts[0], request.parts[1:]
    match = _VERSION.match(version)
    newest = int(request.state.config.api_version.split(".")[0])
    if not match or not OLDEST_VERSION <= int(match.group(1)) <= newest:
        raise errors.not_found()
    number = version[1:]
    stats = request.state.stats
    if rest == ["limits"]:
        stats.count("op:limits")
        return _limits(request.state, org)
    if rest == ["query"]:
        stats.count("op:query")
        return _query(request, org, number)
    if len(rest) == 2 and rest[0] == "query":
        stats.count("op:query_more")
        return _query_more(request, org, number, rest[1])
    if len(rest) == 3 and rest[0] == "sobjects" and rest[2] == "describe":
        stats.count("op:describe")
        return _table(org, rest[1]).obj.describe(number)
    if len(rest) in (3, 4) and rest[0] == "sobjects" and rest[2] == "deleted" and rest[3:] in ([], [""]):
        stats.count("op:deleted")
        return get_deleted(request.state, org, _table(org, rest[1]), request.query)
    raise errors.not_found()


def _table(org: Org, name: str) -> Table:
    table = org.table(name)
    if table is None:
        raise errors.not_found()
    return table


def _versions(state: SalesforceState) -> list[dict[str, str]]:
    newest = int(state.config.api_version.split(".")[0])
    return [
        {"label": f"v{n}.0", "url": f"/services/data/v{n}.0", "version": f"{n}.0"}
        for n in range(OLDEST_VERSION, newest + 1)
    ]


def _limits(state: SalesforceState, org: Org) -> dict[str, Any]:
    allocation = state.config.api_requests_per_day
    return {"DailyApiRequests": {"Max": allocation, "Remaining": max(0, allocation - state.usage[org.id])}}


def _query(request: RestRequest, org: Org, version: str) -> dict[str, Any]:
    text = request.query.get("q", "")
    if not text.strip():
        raise soql.malformed("the q parameter is required")
    if bulk.is_count(text):
        return bulk.count(org, text)
    parsed = soql.parse(text)
    table = org.table(parsed.object)
    if table is None:
        raise errors.invalid_type(parsed.object)
    bound = query.bind(parsed, table.obj, org.object_def)
    with org.lock:
        rows = query.run(bound, list(table.records.values()))
        wire = [query.project(table.obj, bound.fields, row, version, org.find) for row in rows]
    locator = request.state.open_cursor(org, table.obj.name, wire)
    return _batch(request, locator, wire, 0, version)


def _query_more(request: RestRequest, org: Org, version: str, segment: str) -> dict[str, Any]:
    locator, _, offset = segment.rpartition("-")
    cursor = request.state.cursor(locator, org) if offset.isdigit() else None
    if cursor is None or int(offset) > len(cursor.rows):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _batch(request, locator, cursor.rows, int(offset), version)


def _batch(
    request: RestRequest, locator: str, rows: list[dict[str, Any]], offset: int, version: str
) -> dict[str, Any]:
    config = request.state.config
    match = _BATCH.search(request.query_options or "")
    size = int(match.group(1)) if match else config.max_batch_size
    size = max(config.min_batch_size, min(config.max_batch_size, size))
    end = offset + size
    done = end >= len(rows)
    body: dict[str, Any] = {"totalSize": len(rows), "done": done, "records": rows[offset:end]}
    if done:
        request.state.close_cursor(locator)
    else:
        body["nextRecordsUrl"] = f"/services/data/v{version}/query/{locator}-{end}"
    return body
