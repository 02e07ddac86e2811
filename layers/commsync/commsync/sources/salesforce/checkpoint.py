"""The checkpoint token of one object (design section 4): where the record sync and the delete
log stand.

`ts`/`id`: the (SystemModstamp, Id) of the last record handed to the poller; the next query asks
for SystemModstamp >= ts in (SystemModstamp, Id) order and skips every record at or before
(ts, id), so records sharing a timestamp across a page or poll boundary are neither skipped nor
repeated. `closed`: every record at `ts` has been seen (after a run of more equal timestamps than
one query's LIMIT), so the next query may ask for SystemModstamp > ts. `deleted`: where the next
getDeleted window starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any


def parse_datetime(text: str) -> datetime:
    """Salesforce writes `2024-03-01T09:30:00.000+0000`; Python 3.11 reads it as ISO 8601."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def soql_datetime(value: datetime) -> str:
    """A SOQL dateTime literal (unquoted, UTC); milliseconds only when there are some."""
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Mark:
    ts: datetime | None = None
    id: str = ""
    closed: bool = False
    deleted: datetime | None = None

    @property
    def key(self) -> tuple[datetime, str] | None:
        return None if self.ts is None else (self.ts, self.id)

    def admits(self, ts: datetime, record_id: str) -> bool:
        """Whether a record comes after this mark (and so has not been handed out yet)."""
        if self.ts is None:
            return True
        if self.closed:
            return ts > self.ts
        return (ts, record_id) > (self.ts, self.id)

    def after(self, ts: datetime, record_id: str) -> Mark:
        return replace(self, ts=ts, id=record_id, closed=False)

    def encode(self) -> str:
        data: dict[str, Any] = {"v": 1}
        if self.ts is not None:
            data |= {"ts": self.ts.isoformat(), "id": self.id}
        if self.closed:
            data["closed"] = True
        if self.deleted is not None:
            data["del"] = self.deleted.isoformat()
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, token: str | None, start: datetime | None) -> Mark:
        """The stored token, or for a first sync the mailbox's start time (nothing older is wanted)."""
        if not token:
            return cls(ts=start, closed=False) if start else cls()
        data = json.loads(token)
        ts = data.get("ts")
        deleted = data.get("del")
        return cls(
            ts=parse_datetime(ts) if ts else None,
            id=str(data.get("id", "")),
            closed=bool(data.get("closed")),
            deleted=parse_datetime(deleted) if deleted else None,
        )
