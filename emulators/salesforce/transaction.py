"""A transaction that commits late: the case the source's overlap window exists for.

Salesforce sets SystemModstamp when a transaction starts, but other sessions see its records only
when it commits (PROTOCOLS.md 3). A long Apex job or bulk load therefore makes records appear
with a SystemModstamp earlier than changes that became visible before them; a poll whose
checkpoint passed in between must still find them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emulators.salesforce.store import Org


class Transaction:
    def __init__(self, org: Org, started: datetime) -> None:
        self.org = org
        self.started = started
        self._pending: list[tuple[str, dict[str, Any]]] = []

    def put(self, object_name: str, values: dict[str, Any]) -> str:
        """Stage a create (or an update, with `Id`); the id is known at once, the record is not
        visible until `commit`."""
        record_id = str(values.get("Id") or self.org.new_id(object_name))
        self._pending.append((object_name, {**values, "Id": record_id}))
        return record_id

    def commit(self) -> list[str]:
        """Make the staged changes visible, each stamped with the transaction's start."""
        committed = [self.org.put(name, values, self.started) for name, values in self._pending]
        self._pending.clear()
        return committed
