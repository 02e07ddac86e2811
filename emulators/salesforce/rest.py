"""The REST data resources under /services/data (REST API Developer Guide):

GET /services/data/                                   versions
GET /services/data/vXX.X/                             resources by version
GET /services/data/vXX.X/limits/                      limits
GET /services/data/vXX.X/query/?q=SOQL                Query (soql.py, query.py, rest_query.py)
GET /services/data/vXX.X/queryAll/?q=SOQL             QueryAll: deleted records too
GET /services/data/vXX.X/query/<locator>-<offset>     Query More Results (nextRecordsUrl)
GET /services/data/vXX.X/sobjects/...                 sobjects.py
    /services/data/vXX.X/jobs/query...                Bulk API 2.0 query jobs (bulk.py)

Salesforce accepts every resource with and without a trailing slash (its guide and
simple-salesforce write `query/`, `limits/`), so both are served. Every data call needs
`Authorization: Bearer <session>` (401 INVALID_SESSION_ID otherwise), counts against the org's
daily allocation (403 REQUEST_LIMIT_EXCEEDED once spent) and answers `Sforce-Limit-Info`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from emulators.salesforce import bulk, errors
from emulators.salesforce.errors import ApiError
from emulators.salesforce.faults import Fault, error_for
from emulators.salesforce.responses import HttpResponse, json_response
from emulators.salesforce.rest_query import run_query, run_query_more
from emulators.salesforce.sobjects import handle_sobjects
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.store import Org

_VERSION = re.compile(r"^v(\d{2})\.0$")
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
    if fault is Fault.LOCATOR_LOST:
        state.drop_cursors()
        fault = None
    if fault is not None:
        state.stats.count("faults", f"fault:{fault}")
        if fault is Fault.SESSION_EXPIRED:
            state.grants.revoke(token)
        if fault is Fault.TIMEOUT:
            time.sleep(state.faults.stall_seconds)
        return _error(error_for(fault)).with_header(*limit_info)
    if request.parts[1:3] == ["jobs", "query"]:
        jobs = bulk.handle_bulk(state, org, request.method, request.parts[3:], request.query, request.body)
        return jobs.with_header(*limit_info)
    if request.method != "GET":
        # The emulator serves the read surface; writes answer as a resource that allows GET only.
        message = f"HTTP Method '{request.method}' not allowed. Allowed are GET"
        return json_response(405, [{"message": message, "errorCode": "METHOD_NOT_ALLOWED"}])
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
    if rest and rest[-1] == "":
        rest = rest[:-1]
    state = request.state
    if not rest:
        state.stats.count("op:resources")
        return {
            name: f"/services/data/{version}/{name}" for name in ("sobjects", "query", "queryAll", "limits")
        }
    if rest == ["limits"]:
        state.stats.count("op:limits")
        return _limits(state, org)
    if rest[0] in ("query", "queryAll") and len(rest) <= 2:
        include_deleted = rest[0] == "queryAll"
        if len(rest) == 1:
            state.stats.count("op:queryAll" if include_deleted else "op:query")
            return run_query(state, org, request.query, request.query_options, number, include_deleted)
        state.stats.count("op:query_more")
        return run_query_more(state, org, rest[1], request.query_options, number, rest[0])
    if rest[0] == "sobjects":
        return handle_sobjects(state, org, rest[1:], request.query, number)
    raise errors.not_found()


def _versions(state: SalesforceState) -> list[dict[str, str]]:
    newest = int(state.config.api_version.split(".")[0])
    return [
        {"label": f"v{n}.0", "url": f"/services/data/v{n}.0", "version": f"{n}.0"}
        for n in range(OLDEST_VERSION, newest + 1)
    ]


def _limits(state: SalesforceState, org: Org) -> dict[str, Any]:
    """Limits: the allocation the emulator enforces, and a few that clients commonly read."""
    allocation = state.config.api_requests_per_day
    remaining = max(0, allocation - state.usage[org.id])
    fixed = {"DailyBulkApiBatches": 15000, "DailyBulkV2QueryJobs": 10000, "DailyStreamingApiEvents": 1000000}
    return {
        "DailyApiRequests": {"Max": allocation, "Remaining": remaining},
        **{name: {"Max": top, "Remaining": top} for name, top in fixed.items()},
        "DataStorageMB": {"Max": 1024, "Remaining": 1024},
        "FileStorageMB": {"Max": 1024, "Remaining": 1024},
    }
