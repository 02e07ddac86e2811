"""Query, QueryAll and Query More Results (REST API Developer Guide).

A query's rows are taken when it runs and served in batches through a query locator
(`nextRecordsUrl` = `/services/data/vXX.X/query/<locator>-<offset>`); `Sforce-Query-Options:
batchSize=n` sets the batch within the configured bounds. QueryAll also reads the Recycle Bin
(IsDeleted true). `SELECT COUNT()` answers only totalSize.
"""

from __future__ import annotations

import re
from typing import Any

from emulators.salesforce import errors, query, soql
from emulators.salesforce.errors import ApiError
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.store import Org

_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


def run_query(
    state: SalesforceState,
    org: Org,
    params: dict[str, str],
    options: str | None,
    version: str,
    include_deleted: bool,
) -> dict[str, Any]:
    text = params.get("q", "")
    if not text.strip():
        raise soql.malformed("the q parameter is required")
    parsed = soql.parse(text)
    table = org.table(parsed.object)
    if table is None:
        raise errors.invalid_type(parsed.object)
    bound = query.bind(parsed, table.obj, org.object_def, state.now())
    with org.lock:
        records = list(table.records.values())
        if include_deleted:
            records += list(table.recycled.values())
        rows = query.run(bound, records)
        if bound.count:
            return {"totalSize": len(rows), "done": True, "records": []}
        wire = [query.project(table.obj, bound.fields, row, version, org.find) for row in rows]
    endpoint = "queryAll" if include_deleted else "query"
    locator = state.open_cursor(org, table.obj.name, wire)
    return _batch(state, options, locator, wire, 0, version, endpoint)


def run_query_more(
    state: SalesforceState, org: Org, segment: str, options: str | None, version: str, endpoint: str
) -> dict[str, Any]:
    locator, _, offset = segment.rpartition("-")
    cursor = state.cursor(locator, org) if offset.isdigit() else None
    if cursor is None or int(offset) > len(cursor.rows):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _batch(state, options, locator, cursor.rows, int(offset), version, endpoint)


def _batch(
    state: SalesforceState,
    options: str | None,
    locator: str,
    rows: list[dict[str, Any]],
    offset: int,
    version: str,
    endpoint: str,
) -> dict[str, Any]:
    config = state.config
    match = _BATCH.search(options or "")
    size = int(match.group(1)) if match else config.max_batch_size
    size = max(config.min_batch_size, min(config.max_batch_size, size))
    end = offset + size
    done = end >= len(rows)
    body: dict[str, Any] = {"totalSize": len(rows), "done": done, "records": rows[offset:end]}
    if done:
        state.close_cursor(locator)
    else:
        body["nextRecordsUrl"] = f"/services/data/v{version}/{endpoint}/{locator}-{end}"
    return body
