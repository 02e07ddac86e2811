"""Big backfills through Bulk API 2.0 query jobs (issue 19), as Airbyte's source-salesforce reads
large objects: one job runs the whole query on the server, and its CSV results are read in chunks
of CHUNK_RECORDS by `Sforce-Locator`, instead of a REST query per 2,000 records. A chunk is one
page for the poller (its records are written, then the checkpoint), so its size bounds memory:
10,000 Case-sized records are a few tens of MB.

When: a first sync (or the continuation of one begun in bulk) whose `SELECT COUNT()` estimate is
above `bulk_above_records`; incremental polls stay on REST (a COUNT() per idle poll would double
its cost). Not for plans that read compound fields, which Bulk API 2.0 refuses (REST then).
The records arrive in the query's (SystemModstamp, Id) order and pass through the same tracker
as REST's, so the checkpoint after each chunk is exactly REST's.

CSV has no types: empty is null, and values are typed back by the fields' describe types.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator
from typing import Any

from commsync.errors import TransientError
from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.errors import SalesforceApiError
from commsync.sources.salesforce.plan import SyncPlan
from commsync.sources.salesforce.records import Record, Scan, where
from commsync.sources.salesforce.schema import NUMBER_TYPES

COMPOUND_TYPES = frozenset({"address", "location"})
CHUNK_RECORDS = 10_000
_FIRST_WAIT_SECONDS, _MAX_WAIT_SECONDS = 0.5, 10.0
_FAILED = {"Failed", "Aborted"}


def eligible(plan: SyncPlan) -> bool:
    fields = [plan.schema.field(name) for name in plan.select() if "." not in name]
    return not any(f is not None and f.type in COMPOUND_TYPES for f in fields)


def estimate(client: RestClient, plan: SyncPlan, scan: Scan) -> int:
    """How many records the backfill would read (REST `SELECT COUNT()`: one call)."""
    text = f"SELECT COUNT() FROM {plan.schema.name}{where(scan)}"  # noqa: S608 - typed literals only
    body = client.get(f"{client.data_path}/query", params={"q": text})
    return int(body.get("totalSize") or 0)


class BulkReader:
    """`batches(soql, size)` with REST's query_batches shape (records.Fetch)."""

    def __init__(
        self,
        client: RestClient,
        plan: SyncPlan,
        seconds_left: Callable[[], float],
        chunk: int = CHUNK_RECORDS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client, self._plan, self._chunk = client, plan, chunk
        self._seconds_left, self._sleep = seconds_left, sleep

    def batches(self, soql: str, size: int) -> Iterator[list[Record]]:
        """`size` (REST's batch) is not used: a results chunk is `chunk` records."""
        jobs = f"{self._client.data_path}/jobs/query"
        job = self._client.post(jobs, {"operation": "query", "query": soql})
        job_id = str(job["id"])
        self._until_complete(f"{jobs}/{job_id}")
        locator: str | None = None
        while True:
            params = {"maxRecords": str(self._chunk), **({"locator": locator} if locator else {})}
            text, headers = self._client.get_text(f"{jobs}/{job_id}/results", params)
            yield [self._typed(row) for row in csv.DictReader(io.StringIO(text))]
            locator = headers.get("Sforce-Locator")
            if not locator or locator == "null":
                return

    def _until_complete(self, path: str) -> None:
        wait = _FIRST_WAIT_SECONDS
        while True:
            state = str(self._client.get(path).get("state"))
            if state == "JobComplete":
                return
            if state in _FAILED:
                raise SalesforceApiError(400, "BULK_JOB_FAILED", f"the Bulk API 2.0 query job ended {state}")
            if wait > self._seconds_left():
                # The job keeps running on the server; the next poll starts the backfill again.
                raise TransientError("the Bulk API 2.0 query job outlasted this invocation", wait)
            self._sleep(wait)
            wait = min(wait * 2, _MAX_WAIT_SECONDS)

    def _typed(self, row: dict[str, str]) -> Record:
        record: Record = {}
        for name, text in row.items():
            value = self._value(name, text)
            relationship, _, inner = name.partition(".")
            if inner:
                parent = record.setdefault(relationship, {})
                if isinstance(parent, dict):
                    parent[inner] = value
            else:
                record[name] = value
        for key, value in list(record.items()):
            if isinstance(value, dict) and all(v is None for v in value.values()):
                record[key] = None  # an empty reference: REST answers null, not a record of nulls
        return record

    def _value(self, name: str, text: str) -> Any:
        if text == "":
            return None
        info = self._plan.schema.field(name) if "." not in name else self._parent_type(name)
        kind = info.type if info is not None else "string"
        if kind == "boolean":
            return text == "true"
        if kind in NUMBER_TYPES:
            number = float(text)
            return int(number) if kind == "int" and number.is_integer() else number
        return text

    def _parent_type(self, name: str) -> Any:
        roles = [self._plan.subject, *self._plan.bodies, self._plan.sender, *self._plan.properties]
        return next((f for f in roles if f is not None and f.name == name), None)
