"""sObject Get Updated and Get Deleted (`/sobjects/<Object>/updated/?start=&end=`, `.../deleted/`).

As documented: the seconds of start and end are ignored (rounded down to the minute); deletions go
back at most 15 days; a start more than 30 days ago or not before end answers
INVALID_REPLICATION_DATE; `latestDateCovered` (<= end) is where the next call should start; more
than 600,000 ids answer EXCEEDED_ID_LIMIT.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from emulators.salesforce.errors import ApiError
from emulators.salesforce.state import SalesforceState
from emulators.salesforce.store import Org, Table
from emulators.salesforce.values import format_datetime, parse_datetime

RETENTION = timedelta(days=15)
MAX_START_AGE = timedelta(days=30)
MAX_IDS = 600_000


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _date(query: dict[str, str], name: str) -> datetime:
    raw = query.get(name)
    if not raw:
        raise ApiError(400, "MISSING_ARGUMENT", f"{name} parameter is required")
    try:
        return _minute(parse_datetime(raw))
    except ValueError:
        raise ApiError(400, "INVALID_REPLICATION_DATE", f"{name} is not a valid dateTime: {raw}") from None


def _window(state: SalesforceState, query: dict[str, str]) -> tuple[datetime, datetime, datetime]:
    """(start, end, now) of a replication call, validated as Salesforce validates them."""
    start, end = _date(query, "start"), _date(query, "end")
    now = state.now()
    if start >= end:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate")
    if start < now - MAX_START_AGE:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago")
    return start, end, now


def _at_most(ids: list[Any]) -> list[Any]:
    if len(ids) > MAX_IDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", f"ID limit exceeded: more than {MAX_IDS} ids")
    return ids


def get_updated(state: SalesforceState, org: Org, table: Table, query: dict[str, str]) -> dict[str, Any]:
    start, end, now = _window(state, query)
    covered = min(end, _minute(now))
    with org.lock:
        changed = sorted(
            (r["SystemModstamp"], r["Id"])
            for r in table.records.values()
            if start <= r["SystemModstamp"] < covered
        )
    return {
        "ids": _at_most([record_id for _, record_id in changed]),
        "latestDateCovered": format_datetime(covered),
    }


def get_deleted(state: SalesforceState, org: Org, table: Table, query: dict[str, str]) -> dict[str, Any]:
    start, end, now = _window(state, query)
    earliest = _minute(now - RETENTION)
    covered = min(end, _minute(now))
    with org.lock:
        records = [
            {"id": record_id, "deletedDate": format_datetime(at)}
            for record_id, at in table.deleted
            if max(start, earliest) <= at < covered
        ]
    return {
        "deletedRecords": _at_most(records),
        "earliestDateAvailable": format_datetime(earliest),
        "latestDateCovered": format_datetime(covered),
    }
