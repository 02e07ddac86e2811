"""Deletions through sObject Get Deleted (`/sobjects/<Obj>/deleted/?start=&end=`).

Documented limits (REST API, "sObject Get Deleted"): the seconds of start and end are ignored,
results go back at most 15 days, and `latestDateCovered` is where the next window must start.
The first sync starts the window at its own time (nothing it has not seen can be deleted for it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from commsync.observability import logger
from commsync.ports import Change
from commsync.sources.salesforce.checkpoint import parse_datetime
from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.errors import SalesforceApiError

RETENTION = timedelta(days=15)


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def deleted_since(
    client: RestClient, object_name: str, since: datetime | None, now: datetime
) -> tuple[list[Change], datetime]:
    """(delete changes, start of the next window)."""
    if since is None:
        return [], _minute(now)
    # Older deletions are gone from the log; a longer-disabled integration just starts at its edge.
    start = max(_minute(since), _minute(now - RETENTION) + timedelta(minutes=1))
    end = _minute(now)
    if end <= start:
        return [], since  # less than a minute: Salesforce would refuse the window
    path = f"{client.data_path}/sobjects/{object_name}/deleted/"
    try:
        body = client.get(path, params={"start": start.isoformat(), "end": end.isoformat()})
    except SalesforceApiError as exc:
        if exc.code != "INVALID_REPLICATION_DATE":
            raise
        logger.warning(
            "salesforce refused the delete window; starting it afresh", extra={"error": exc.message}
        )
        return [], end
    changes = [Change(kind="delete", item_key=str(r["id"])) for r in body.get("deletedRecords", [])]
    covered = body.get("latestDateCovered")
    return changes, parse_datetime(str(covered)) if covered else end
