"""The checkpoint token of one object (docs/architecture.md#sources): where the record sync and the delete
log stand.

`ts`/`id`: the (SystemModstamp, Id) of the last record handed to the poller in that order; a
record after it is new. `closed`: every record at `ts` has been seen (after a run of more equal
timestamps than one query's LIMIT), so records at `ts` are no longer "after" the mark.

`floor`/`seen`: the overlap window (window.py). SystemModstamp is stamped when a transaction
starts and becomes visible when it commits, so a record can appear later with a stamp before the
mark. Each query re-reads from `floor` (at most `overlap_seconds` before `ts`); `seen` holds the
(Id, SystemModstamp) of every record handed out with a stamp the floor covers, so a record in the
window that is not in `seen` is a late commit and one that is, a repeat. `floor` None: nothing was
handed out before this token (a first sync), so every stamp counts as covered.

`deleted`: where the next getDeleted window starts. `refreshed`: when formula fields were last
read again (formulas.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

_MICROSECOND = timedelta(microseconds=1)


def parse_datetime(text: str) -> datetime:
    """Salesforce writes `2024-03-01T09:30:00.000+0000`; Python 3.11 reads it as ISO 8601."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def soql_datetime(value: datetime) -> str:
    """A SOQL dateTime literal (unquoted, UTC); milliseconds only when there are some."""
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, order=True)
class Floor:
    """The lowest SystemModstamp the window covers: `at` itself unless `open` (then only later ones).
    Ordered so that a higher floor compares greater (open above closed at the same instant)."""

    at: datetime
    open: bool = False

    def covers(self, stamp: datetime) -> bool:
        return stamp > self.at if self.open else stamp >= self.at


@dataclass(frozen=True)
class Mark:
    ts: datetime | None = None
    id: str = ""
    closed: bool = False
    deleted: datetime | None = None
    floor: Floor | None = None
    seen: Mapping[str, datetime] = field(default_factory=dict)  # Id -> SystemModstamp handed out
    refreshed: datetime | None = None
    bulk: bool = False  # a backfill read through a Bulk API 2.0 job is under way (bulk.py)

    def lower_bound(self) -> tuple[datetime, bool, str | None] | None:
        """(stamp, strict, after Id) where the next query starts: the floor, or the mark when the
        floor is at it."""
        if self.ts is None:
            return None
        if self.floor is not None and self.floor.at < self.ts:
            return self.floor.at, self.floor.open, None
        if not self.closed and self.floor is not None and self.floor.open:
            # Inside a run of equal stamps that the window does not cover (it outgrew the bound):
            # nothing at ts before the mark's Id is looked for, so resume at (ts, Id) exactly,
            # not from the run's start (issue 19: 22 calls, not 109, for a 10,050-record tie).
            return self.ts, False, self.id
        # Records at ts after the mark's Id are still due unless the mark is closed; records at ts
        # before it need re-reading only when the window covers ts (a late commit at that stamp).
        return self.ts, self.closed and (self.floor is None or self.floor.open), None

    def encode(self) -> str:
        data: dict[str, Any] = {"v": 2}
        if self.ts is not None:
            data |= {"ts": self.ts.isoformat(), "id": self.id}
            if self.floor is not None:
                data |= {"floor": self.floor.at.isoformat(), "open": self.floor.open}
            if self.seen:
                data["seen"] = _offsets(self.ts, self.seen)
        if self.closed:
            data["closed"] = True
        if self.deleted is not None:
            data["del"] = self.deleted.isoformat()
        if self.refreshed is not None:
            data["ref"] = self.refreshed.isoformat()
        if self.bulk:
            data["bulk"] = True
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, token: str | None, start: datetime | None) -> Mark:
        """The stored token, or for a first sync the mailbox's start time (nothing older is wanted,
        so the window never reaches below it)."""
        if not token:
            return cls(ts=start, floor=Floor(start)) if start else cls()
        data = json.loads(token)
        ts = parse_datetime(data["ts"]) if data.get("ts") else None
        deleted = parse_datetime(data["del"]) if data.get("del") else None
        floor: Floor | None = None
        if data.get("floor"):
            floor = Floor(parse_datetime(data["floor"]), bool(data.get("open")))
        elif ts is not None:
            # A token from before the window (v1) knows nothing of what it handed out: start the
            # window at the mark, so nothing at or before it is taken for a late commit.
            floor = Floor(ts, open=True)
        seen = _stamps(ts, data.get("seen", {})) if ts is not None else {}
        refreshed = parse_datetime(data["ref"]) if data.get("ref") else None
        closed, bulk = bool(data.get("closed")), bool(data.get("bulk"))
        return cls(ts, str(data.get("id", "")), closed, deleted, floor, seen, refreshed, bulk)


def _offsets(ts: datetime, seen: Mapping[str, datetime]) -> dict[str, list[str]]:
    """Ids grouped by how many microseconds before `ts` they were stamped: a bulk update stamps
    hundreds alike, so each stamp is written once and the token stays small."""
    grouped: dict[str, list[str]] = {}
    for record_id, stamp in seen.items():
        grouped.setdefault(str(round((ts - stamp) / _MICROSECOND)), []).append(record_id)
    return grouped


def _stamps(ts: datetime, grouped: Mapping[str, list[str]]) -> dict[str, datetime]:
    return {
        str(record_id): ts - int(offset) * _MICROSECOND
        for offset, ids in grouped.items()
        for record_id in ids
    }
