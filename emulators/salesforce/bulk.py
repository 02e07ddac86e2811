"""Bulk API 2.0 query jobs (Bulk API 2.0 Developer Guide, "Query Jobs"), and `SELECT COUNT()`.

POST /services/data/vXX.X/jobs/query                     create a job: {"operation": "query", "query"}
GET  /services/data/vXX.X/jobs/query/<id>                its state: UploadComplete, InProgress, JobComplete
GET  /services/data/vXX.X/jobs/query/<id>/results?maxRecords=&locator=   CSV, `Sforce-Locator`

The job runs its query when it is created (the rows are fixed then, as a job's snapshot is) and
reports InProgress on the first status read, JobComplete from the second, so a client must poll.
Results are CSV with a header row of the selected fields, parents' as `Account.Name`; null is an
empty field, datetimes `2024-03-01T09:30:00.000Z`. `Sforce-Locator` names the next chunk, or is
`null` on the last. Refused as Salesforce refuses them: compound fields (address, location) and
COUNT() in a job. Every call counts against the daily allocation, as REST calls do.

`SELECT COUNT() FROM ... WHERE ...` on the REST query resource answers `totalSize` and no records.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import threading
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulators.salesforce import errors, query, soql
from emulators.salesforce.errors import ApiError
from emulators.salesforce.responses import HttpResponse, json_response
from emulators.salesforce.schema import COMPOUND_TYPES
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.store import Org

_COUNT = re.compile(r"^\s*SELECT\s+COUNT\(\s*\)\s+FROM\s", re.IGNORECASE)
DEFAULT_MAX_RECORDS = 50_000


@dataclass
class Job:
    id: str
    org_id: str
    object: str
    query: str
    header: list[str]
    rows: list[list[str]]
    created: datetime
    reads: int = 0


@dataclass
class Jobs:
    by_id: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


# Each emulator's jobs, kept beside its state and gone with it.
JOBS: weakref.WeakKeyDictionary[SalesforceState, Jobs] = weakref.WeakKeyDictionary()


def is_count(text: str) -> bool:
    return bool(_COUNT.match(text))


def count(org: Org, text: str) -> dict[str, Any]:
    """REST answer to SELECT COUNT(): the number of rows the same query selects by Id."""
    parsed = soql.parse(_COUNT.sub("SELECT Id FROM ", text, count=1))
    table = org.table(parsed.object)
    if table is None:
        raise errors.invalid_type(parsed.object)
    bound = query.bind(parsed, table.obj, org.object_def)
    with org.lock:
        total = len(query.run(bound, list(table.records.values())))
    return {"totalSize": total, "done": True, "records": []}


def handle_bulk(
    state: SalesforceState, org: Org, method: str, rest: list[str], params: dict[str, str], body: bytes
) -> HttpResponse:
    """`rest`: the path after `/services/data/vXX.X/jobs/query`."""
    jobs = JOBS.setdefault(state, Jobs())
    try:
        if method == "POST" and rest in ([], [""]):
            state.stats.count("op:bulk_create")
            return json_response(200, _create(state, org, jobs, body))
        job = _job(jobs, org, rest[0] if rest else "")
        if method == "GET" and len(rest) == 1:
            state.stats.count("op:bulk_status")
            return json_response(200, _status(job))
        if method == "GET" and rest[1:] == ["results"]:
            state.stats.count("op:bulk_results")
            return _results(job, params)
    except ApiError as error:
        return json_response(error.status, error.body())
    return json_response(404, errors.not_found().body())


def _create(state: SalesforceState, org: Org, jobs: Jobs, body: bytes) -> dict[str, Any]:
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "JSON_PARSER_ERROR", "the request body is not JSON") from None
    if request.get("operation") not in ("query", "queryAll"):
        raise ApiError(400, "INVALIDJOB", "operation must be query or queryAll")
    text = str(request.get("query") or "")
    if is_count(text):
        raise ApiError(400, "INVALIDJOB", "COUNT() is not supported by Bulk API 2.0 query jobs")
    parsed = soql.parse(text)
    table = org.table(parsed.object)
    if table is None:
        raise errors.invalid_type(parsed.object)
    bound = query.bind(parsed, table.obj, org.object_def)
    for name in bound.fields:
        found = table.obj.field(name)
        if found is not None and found.type in COMPOUND_TYPES:
            raise ApiError(400, "INVALIDJOB", f"compound field {found.name} is not supported by Bulk API 2.0")
    version = state.config.api_version
    with org.lock:
        rows = query.run(bound, list(table.records.values()))
        wire = [query.project(table.obj, bound.fields, row, version, org.find) for row in rows]
    job = Job(
        id="750" + secrets.token_hex(6),
        org_id=org.id,
        object=table.obj.name,
        query=text,
        header=list(bound.fields),
        rows=[[_cell(_value(record, name)) for name in bound.fields] for record in wire],
        created=state.now(),
    )
    with jobs.lock:
        jobs.by_id[job.id] = job
    return {**_status(job, read=False), "state": "UploadComplete"}


def _job(jobs: Jobs, org: Org, job_id: str) -> Job:
    with jobs.lock:
        job = jobs.by_id.get(job_id)
    if job is None or job.org_id != org.id:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def _status(job: Job, read: bool = True) -> dict[str, Any]:
    if read:
        job.reads += 1
    done = job.reads >= 2
    return {
        "id": job.id,
        "operation": "query",
        "object": job.object,
        "createdDate": job.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "state": "JobComplete" if done else "InProgress",
        "concurrencyMode": "Parallel",
        "contentType": "CSV",
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
        "numberRecordsProcessed": len(job.rows) if done else 0,
    }


def _results(job: Job, params: dict[str, str]) -> HttpResponse:
    if job.reads < 2:
        raise ApiError(400, "INVALIDJOBSTATE", "the job is not complete yet")
    size = int(params["maxRecords"]) if params.get("maxRecords", "").isdigit() else DEFAULT_MAX_RECORDS
    start = int(params["locator"]) if params.get("locator", "").isdigit() else 0
    chunk = job.rows[start : start + max(1, size)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(job.header)
    writer.writerows(chunk)
    end = start + len(chunk)
    locator = str(end) if end < len(job.rows) else "null"
    return HttpResponse(
        200,
        out.getvalue().encode(),
        [
            ("Content-Type", "text/csv"),
            ("Sforce-Locator", locator),
            ("Sforce-NumberOfRecords", str(len(chunk))),
        ],
    )


def _value(record: dict[str, Any], name: str) -> Any:
    relationship, _, inner = name.partition(".")
    if not inner:
        return record.get(name)
    parent = record.get(relationship)
    return parent.get(inner) if isinstance(parent, dict) else None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.endswith("+0000") and "T" in value:
        return value.removesuffix("+0000") + "Z"  # REST writes +0000, Bulk API 2.0 CSV writes Z
    return str(value)
