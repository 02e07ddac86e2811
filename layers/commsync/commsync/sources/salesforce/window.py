"""The mark and the overlap window while one poll reads (issue 11: late commits).

SystemModstamp is set when a transaction starts, but its records become visible only when it
commits (PROTOCOLS.md 3: "commits are not visible in timestamp order"). A poll that passed stamp T
can later meet a record stamped before T; a query that starts at the mark skips it forever. So
each query starts `overlap` before the mark, and a record is handed out when it is

* after the mark in (SystemModstamp, Id) order: new, as before; or
* inside the window and not in `seen` with that same stamp: a late commit (or a late update).

Everything handed out inside the window goes into `seen`, so a re-read never repeats a record.

The bound: after each server batch `seen` is cut back to `max_seen` entries (1,000: measured at
35 KB of token with 1,000 distinct stamps, 21 KB when they share one, under 1 KB for the usual
handful), except while a poll is still re-reading the window below its mark, when late records
found in that poll may add to it until the read passes the mark. When more records than the
bound were stamped within the overlap (a bulk update), the window shrinks to the newest ones by
raising the floor past whole timestamps; a late commit below the raised floor is then not looked
for, the price of a bounded token. The floor never rises past a record this poll has not
examined yet, so shrinking never skips a record that is already visible.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from commsync.sources.salesforce.checkpoint import Floor, Mark

MAX_SEEN = 1_000

Key = tuple[datetime, str]


class Tracker:
    def __init__(self, mark: Mark, overlap: timedelta, max_seen: int = MAX_SEEN) -> None:
        self.start = mark
        self.ts, self.id, self.closed = mark.ts, mark.id, mark.closed
        self.floor = mark.floor
        self.seen = dict(mark.seen)
        self._overlap = overlap
        self._max_seen = max_seen

    def mark(self) -> Mark:
        start = self.start
        return Mark(
            self.ts, self.id, self.closed, start.deleted, self.floor, dict(self.seen), start.refreshed
        )

    def admit(self, stamp: datetime, record_id: str) -> bool:
        """Whether to hand this record out; if so, it now counts as handed out."""
        beyond = self._beyond(stamp, record_id)
        covered = self.floor is None or self.floor.covers(stamp)
        if not beyond and not (covered and self.seen.get(record_id) != stamp):
            return False
        if beyond:
            self.ts, self.id, self.closed = stamp, record_id, False
        if covered:
            self.seen[record_id] = stamp
        return True

    def close(self, stamp: datetime) -> None:
        """Every record at `stamp` has been examined: when it is the mark's, nothing there is new."""
        if self.ts == stamp:
            self.closed = True

    def examined(self, position: Key | None, everything: bool = False) -> None:
        """Raise the floor as far as the overlap and the bound allow, now that every record up to
        `position` (or, with `everything`, every visible record) has been examined."""
        if self.ts is None or (position is None and not everything):
            return
        wanted = Floor(self.ts - self._overlap)
        if len(self.seen) > self._max_seen:
            stamps = sorted(self.seen.values(), reverse=True)
            # The newest stamp that cannot stay, with every entry at it (whole timestamps only).
            wanted = max(wanted, Floor(stamps[self._max_seen], open=True))
        floor = min(wanted, self._safe(position, everything))
        if self.floor is None or floor > self.floor:
            self.floor = floor
            self.seen = {rid: stamp for rid, stamp in self.seen.items() if floor.covers(stamp)}

    def _safe(self, position: Key | None, everything: bool) -> Floor:
        assert self.ts is not None
        if everything or position is None:
            return Floor(self.ts, open=True)
        # Records after `position` are not examined yet. At the mark itself they are after the
        # mark (handed out whatever the floor); before it, one could be a late commit at that
        # stamp, so the floor may reach the stamp but must still cover it.
        at_mark = position == (self.ts, self.id) and not self.closed
        return Floor(position[0], open=at_mark)

    def _beyond(self, stamp: datetime, record_id: str) -> bool:
        if self.ts is None:
            return True
        if self.closed:
            return stamp > self.ts
        return (stamp, record_id) > (self.ts, self.id)
