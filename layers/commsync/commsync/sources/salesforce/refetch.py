"""Records by the Message-IDs of their comments, for a resync (issue 10's `refetch`).

A comment's id is the hex of its Message-ID. A record without one got a stand-in built from its
record id (`messages.record_message_id`), so the id is read back out of it; an EmailMessage with
its own Message-ID is found by `MessageIdentifier`, stored with or without the angle brackets.
Queries name the records with `IN (...)` in chunks, to keep each GET's URL short.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.plan import SyncPlan
from commsync.sources.salesforce.records import quoted

_STAND_IN = re.compile(r"^<([A-Za-z0-9]{15}|[A-Za-z0-9]{18})@([A-Za-z0-9_]+)\.salesforce>$")
# Values per IN list: ids are 18 characters; a Message-ID can be a few hundred.
ID_CHUNK, MESSAGE_ID_CHUNK = 100, 20


def records_by_message_id(client: RestClient, plan: SyncPlan, message_ids: list[str]) -> list[dict[str, Any]]:
    record_ids: list[str] = []
    identifiers: list[str] = []
    for message_id in message_ids:
        match = _STAND_IN.match(message_id)
        if match and match.group(2) == plan.schema.name.lower():
            record_ids.append(match.group(1))
        elif plan.is_email and not match:
            identifiers += [message_id, message_id.strip("<>")]
    found: list[dict[str, Any]] = []
    for field, values, size in (
        ("Id", record_ids, ID_CHUNK),
        ("MessageIdentifier", identifiers, MESSAGE_ID_CHUNK),
    ):
        for chunk in _chunks(list(dict.fromkeys(values)), size):
            found += _query(client, plan, field, chunk)
    return found


def _query(client: RestClient, plan: SyncPlan, field: str, values: list[str]) -> list[dict[str, Any]]:
    # Not SQL: names come from describe, values are quoted SOQL string literals.
    text = (
        f"SELECT {', '.join(plan.select())} FROM {plan.schema.name} "  # noqa: S608
        f"WHERE {field} IN ({', '.join(quoted(v) for v in values)})"
    )
    return [record for batch in client.query_batches(text, 2000) for record in batch]


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
