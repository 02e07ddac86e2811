"""The sObject resources under /services/data/vXX.X/sobjects (REST API Developer Guide):

GET sobjects/                                  Describe Global
GET sobjects/<Object>/                         sObject Basic Information
GET sobjects/<Object>/describe/                sObject Describe (fields, childRelationships, ...)
GET sobjects/<Object>/<id>[?fields=a,b]        sObject Rows: one record
GET sobjects/<Object>/updated/?start=&end=     sObject Get Updated (replication.py)
GET sobjects/<Object>/deleted/?start=&end=     sObject Get Deleted (replication.py)
"""

from __future__ import annotations

from typing import Any

from emulators.salesforce import errors
from emulators.salesforce.errors import ApiError
from emulators.salesforce.ids import with_suffix
from emulators.salesforce.query import project
from emulators.salesforce.replication import get_deleted, get_updated
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.store import Org, Table

# Describe Global: the most records one sObject Collections call takes.
MAX_BATCH_SIZE = 200


def handle_sobjects(
    state: SalesforceState, org: Org, rest: list[str], query: dict[str, str], version: str
) -> Any:
    """`rest` is the path after sobjects/, without a trailing empty segment."""
    stats = state.stats
    if not rest:
        stats.count("op:describe_global")
        with org.lock:
            listed = [t.obj.summary(version) for t in org.tables.values()]
        return {"encoding": "UTF-8", "maxBatchSize": MAX_BATCH_SIZE, "sobjects": listed}
    table = _table(org, rest[0])
    if len(rest) == 1:
        stats.count("op:sobject")
        return {"objectDescribe": table.obj.summary(version), "recentItems": []}
    if len(rest) != 2:
        raise errors.not_found()
    if rest[1] == "describe":
        stats.count("op:describe")
        return table.obj.describe(version, org.children(table.obj))
    if rest[1] == "updated":
        stats.count("op:updated")
        return get_updated(state, org, table, query)
    if rest[1] == "deleted":
        stats.count("op:deleted")
        return get_deleted(state, org, table, query)
    stats.count("op:retrieve")
    return _record(org, table, rest[1], query, version)


def _table(org: Org, name: str) -> Table:
    table = org.table(name)
    if table is None:
        raise errors.not_found()
    return table


def _record(org: Org, table: Table, raw_id: str, query: dict[str, str], version: str) -> dict[str, Any]:
    try:
        record_id = with_suffix(raw_id) if len(raw_id) == 15 else raw_id
    except ValueError:
        record_id = raw_id
    with org.lock:
        record = table.records.get(record_id)
        if record is None and record_id in table.recycled:
            raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted")
        if record is None:
            raise ApiError(
                404, "NOT_FOUND", f"Provided external ID field does not exist or is not accessible: {raw_id}"
            )
        record = dict(record)
    if "fields" in query:
        names = [n.strip() for n in query["fields"].split(",") if n.strip()]
        fields = []
        for name in names:
            found = table.obj.field(name)
            if found is None:
                raise ApiError(
                    400, "INVALID_FIELD", f"No such column '{name}' on sobject of type {table.obj.name}"
                )
            fields.append(found.name)
    else:
        fields = [f.name for f in table.obj.fields.values()]
    return project(table.obj, fields, record, version, org.find)
