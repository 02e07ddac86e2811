"""Fields whose value changes without their record's SystemModstamp moving (issue 19).

A formula field (describe `calculated: true`) is computed when it is read, and a parent's field
(`Account.Name` through a relationship) belongs to another record: neither moves the synced
record's SystemModstamp, so the incremental query never sees their changes. When the plan reads
such a field, every `formula_refresh_seconds` a poll reads again the records changed in the last
`formula_refresh_days` and hands them out; the poller rewrites only the comments whose properties
changed (no AI unit: services/record.py) and leaves the others untouched. The time of the last
refresh travels in the checkpoint token (`Mark.refreshed`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from commsync.models.salesforce import SalesforceOptions
from commsync.sources.salesforce.checkpoint import Mark, soql_datetime
from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.plan import SyncPlan


def derived_fields(plan: SyncPlan) -> list[str]:
    roles = [plan.subject, *plan.bodies, plan.sender, *plan.properties]
    return [f.name for f in roles if f is not None and (f.calculated or "." in f.name)]


def refresh_due(plan: SyncPlan, options: SalesforceOptions, mark: Mark, now: datetime) -> bool:
    if not options.formula_refresh_seconds or mark.ts is None or not derived_fields(plan):
        return False
    return mark.refreshed is None or now - mark.refreshed >= timedelta(
        seconds=options.formula_refresh_seconds
    )


def recent_records(
    client: RestClient, plan: SyncPlan, options: SalesforceOptions, now: datetime
) -> Iterator[list[dict[str, Any]]]:
    """The records changed in the last `formula_refresh_days`, one server batch at a time."""
    since = soql_datetime(now - timedelta(days=options.formula_refresh_days))
    # Not SQL, and nothing user-typed: names come from describe, values are typed literals.
    soql = (
        f"SELECT {', '.join(plan.select())} FROM {plan.schema.name} "  # noqa: S608
        f"WHERE SystemModstamp >= {since} ORDER BY SystemModstamp ASC, Id ASC"
    )
    yield from client.query_batches(soql, options.query_batch_size)
