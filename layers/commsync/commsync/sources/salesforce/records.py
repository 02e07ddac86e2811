"""Changed records of one object, oldest first, by (SystemModstamp, Id) (design section 4).

SOQL: `SELECT ... FROM Obj WHERE SystemModstamp >= :ts ORDER BY SystemModstamp, Id LIMIT n`, read
batch by batch through nextRecordsUrl; records at or before the mark are skipped (`>=`, not `>`,
because several records may share the mark's timestamp and only some were handed out).
SystemModstamp is indexed and moves on every change, system ones included (PROTOCOLS.md 3).

When one query's LIMIT is filled by records the mark already covers (more than n records share one
timestamp), the rest of that timestamp is read by Id (`SystemModstamp = :ts AND Id > :id`), and
then the query moves past it (`SystemModstamp > :ts`). A query locator that expired while the
poller worked (INVALID_QUERY_LOCATOR) restarts the query from the mark.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from commsync.observability import logger
from commsync.sources.salesforce.checkpoint import Mark, parse_datetime, soql_datetime
from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.errors import SalesforceApiError
from commsync.sources.salesforce.schema import SyncPlan

# Rows per query before it is re-issued from the mark: bounds the work of one server cursor.
QUERY_LIMIT = 10_000
# Expired query locators per poll before it gives up (the next poll resumes from the mark).
MAX_RESTARTS = 3

Record = dict[str, Any]


def soql(plan: SyncPlan, mark: Mark, limit: int, tie_break: bool = False) -> str:
    # Not SQL, and nothing user-typed: names come from describe, values are typed literals.
    text = f"SELECT {', '.join(plan.select())} FROM {plan.schema.name}"  # noqa: S608
    if mark.ts is not None:
        literal = soql_datetime(mark.ts)
        if tie_break:
            quoted = mark.id.replace("\\", "\\\\").replace("'", "\\'")
            text += f" WHERE SystemModstamp = {literal} AND Id > '{quoted}'"
        else:
            text += f" WHERE SystemModstamp {'>' if mark.closed else '>='} {literal}"
    return text + f" ORDER BY SystemModstamp ASC, Id ASC LIMIT {limit}"


def changed_records(
    client: RestClient, plan: SyncPlan, mark: Mark, batch_size: int, limit: int = QUERY_LIMIT
) -> Iterator[tuple[list[Record], Mark]]:
    """(new records, mark after them) per server batch; a batch of old records yields ([], mark)."""
    tie_break, restarts = False, 0
    while True:
        rows, progressed = 0, False
        try:
            for batch in client.query_batches(soql(plan, mark, limit, tie_break), batch_size):
                rows += len(batch)
                fresh = [r for r in batch if mark.admits(_stamp(r), str(r["Id"]))]
                if fresh:
                    mark, progressed = mark.after(_stamp(fresh[-1]), str(fresh[-1]["Id"])), True
                yield fresh, mark
        except SalesforceApiError as exc:
            restarts += 1
            if exc.code != "INVALID_QUERY_LOCATOR" or restarts > MAX_RESTARTS:
                raise
            logger.warning("salesforce query locator expired; querying again from the checkpoint")
            continue
        if rows < limit:
            if not tie_break:
                return
            # The equal timestamp is read to its end: move past it.
            tie_break, mark = False, Mark(mark.ts, mark.id, closed=True, deleted=mark.deleted)
        elif not progressed and not tie_break:
            tie_break = True


def _stamp(record: Record) -> Any:
    return parse_datetime(str(record["SystemModstamp"]))
