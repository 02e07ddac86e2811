"""sObject Get Deleted (`/sobjects/<Object>/deleted/?start=&end=`), from the org's delete log.

As documented: the seconds of start and end are ignored (rounded down to the minute); results go
back at most 15 days; a start more than 30 days ago or not before end answers
INVALID_REPLICATION_DATE; `latestDateCovered` (<= end) is where the next call should start.
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


def get_deleted(state: SalesforceState, org: Org, table: Table, query: dict[str, str]) -> dict[str, Any]:
    start, end = _date(query, "start"), _date(query, "end")
    now = state.now()
    if start >= end:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate")
    if start < now - MAX_START_AGE:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago")
    earliest = _minute(now - RETENTION)
    covered = min(end, _minute(now))
    with org.lock:
        records = [
            {"id": record_id, "deletedDate": format_datetime(at)}
            for record_id, at in table.deleted
            if max(start, earliest) <= at < covered
        ]
    return {
        "deletedRecords": records,
        "earliestDateAvailable": format_datetime(earliest),
        "latestDateCovered": format_datetime(covered),
    }
