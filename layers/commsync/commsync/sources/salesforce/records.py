"""Changed records of one object, oldest first, by (SystemModstamp, Id) (docs/architecture.md#sources).

SOQL: `SELECT ... FROM Obj WHERE SystemModstamp >= :floor ORDER BY SystemModstamp, Id LIMIT n`,
read batch by batch through nextRecordsUrl. The query starts at the overlap window's floor, a few
minutes before the mark, and the tracker (window.py) decides per record: new, late, or a repeat.
`>=` and not `>`, because several records may share a timestamp and only some were handed out.
SystemModstamp is indexed and moves on every change, system ones included (PROTOCOLS.md 3).

A query that fills its LIMIT continues from the last record it returned, by keyset: the rest of
that timestamp by Id (`SystemModstamp = :ts AND Id > :id`), then past it (`SystemModstamp > :ts`).
So the read always moves forward, even through more equal timestamps than one LIMIT. A query
locator that expired while the poller worked (INVALID_QUERY_LOCATOR) continues the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from commsync.observability import logger
from commsync.sources.salesforce.checkpoint import Mark, parse_datetime, soql_datetime
from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.errors import SalesforceApiError
from commsync.sources.salesforce.plan import SyncPlan
from commsync.sources.salesforce.window import Key, Tracker

# Rows per query before it continues by keyset: bounds the work of one server cursor.
QUERY_LIMIT = 10_000
# Expired query locators per poll before it gives up (the next poll resumes from the mark).
MAX_RESTARTS = 3

Record = dict[str, Any]
Fetch = Callable[[str, int], Iterator[list[Record]]]


@dataclass(frozen=True)
class Scan:
    """Where a query starts: SystemModstamp >= stamp (> when strict), or, with `after_id`, the rest
    of that one timestamp after an Id."""

    stamp: datetime | None = None
    strict: bool = False
    after_id: str | None = None


def soql(plan: SyncPlan, scan: Scan, limit: int) -> str:
    # Not SQL, and nothing user-typed: names come from describe, values are typed literals.
    text = f"SELECT {', '.join(plan.select())} FROM {plan.schema.name}{where(scan)}"  # noqa: S608
    return text + f" ORDER BY SystemModstamp ASC, Id ASC LIMIT {limit}"


def where(scan: Scan) -> str:
    if scan.stamp is None:
        return ""
    literal = soql_datetime(scan.stamp)
    if scan.after_id is not None:
        return f" WHERE SystemModstamp = {literal} AND Id > {quoted(scan.after_id)}"
    return f" WHERE SystemModstamp {'>' if scan.strict else '>='} {literal}"


def first_scan(mark: Mark) -> Scan:
    bound = mark.lower_bound()
    return Scan(*bound) if bound else Scan()


def quoted(value: str) -> str:
    """A SOQL string literal (SOQL reference, "Quoted String Escape Sequences")."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def changed_records(
    client: RestClient,
    plan: SyncPlan,
    tracker: Tracker,
    batch_size: int,
    limit: int = QUERY_LIMIT,
    fetch: Fetch | None = None,
) -> Iterator[tuple[list[Record], Mark]]:
    """(records to hand out, mark after them) per server batch, then a last ([], final mark).
    `fetch` runs a query batch by batch: REST's query resource unless a Bulk API 2.0 reader."""
    read = fetch or client.query_batches
    scan = first_scan(tracker.start)
    position: Key | None = None
    restarts = 0
    while True:
        rows = 0
        try:
            for batch in read(soql(plan, scan, limit), batch_size):
                rows += len(batch)
                fresh = []
                for record in batch:
                    position = (_stamp(record), str(record["Id"]))
                    if tracker.admit(*position):
                        fresh.append(record)
                tracker.examined(position)
                yield fresh, tracker.mark()
        except SalesforceApiError as exc:
            restarts += 1
            if exc.code != "INVALID_QUERY_LOCATOR" or restarts > MAX_RESTARTS:
                raise
            logger.warning("salesforce query locator expired; continuing after the last record read")
            scan = _after(position) if position else scan
            continue
        if rows >= limit and position is not None:
            scan = _after(position)
        elif scan.after_id is not None and scan.stamp is not None:
            # The equal timestamp is read to its end: move past it.
            tracker.close(scan.stamp)
            scan = Scan(scan.stamp, strict=True)
        else:
            tracker.examined(position, everything=True)
            yield [], tracker.mark()
            return


def _after(position: Key) -> Scan:
    return Scan(position[0], after_id=position[1])


def _stamp(record: Record) -> datetime:
    return parse_datetime(str(record["SystemModstamp"]))
