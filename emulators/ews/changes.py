"""Change logs and the coalescing of changes since a sync position.

MS-OXWSSYNC 3.1.4.2 (SyncFolderItems) / 3.1.4.1 (SyncFolderHierarchy): the server returns the
changes since the client's SyncState, at most MaxChangesReturned of them, and a new SyncState.
Here a folder keeps an append-only log of (seq, uid, kind); a SyncState holds a `Cursor`.
A page is the longest run of log entries after the cursor whose changes, coalesced per object
(create+update -> create, create+delete -> nothing, update+delete -> delete), number at most the
limit; the new cursor points at the run's last entry, so any page's state is a valid resume point.

An object created after the cursor and already gone is never reported, even when its delete lies
beyond this page. For that the cursor remembers, per page still in flight, the log head at the
time its creates were covered ("horizons"): a later delete is reported only to clients that got
the create. Horizons the cursor has passed are dropped, so a caught-up state stays small.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

CREATE, UPDATE, DELETE, READ_FLAG = "create", "update", "delete", "read_flag_change"


@dataclass(frozen=True)
class Entry:
    seq: int
    uid: int
    kind: str  # CREATE, UPDATE, DELETE or READ_FLAG
    is_read: bool = False  # for READ_FLAG


@dataclass
class ChangeLog:
    entries: list[Entry] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)

    def append(self, entry: Entry) -> None:
        self.entries.append(entry)
        self.seqs.append(entry.seq)

    @property
    def last_seq(self) -> int:
        return self.seqs[-1] if self.seqs else 0


@dataclass
class _Net:
    existed_before: bool
    exists: bool = True
    updated: bool = False
    is_read: bool | None = None

    @property
    def kind(self) -> str | None:
        if not self.existed_before:
            return CREATE if self.exists else None
        if not self.exists:
            return DELETE
        if self.updated:
            return UPDATE
        return READ_FLAG if self.is_read is not None else None

    def apply(self, entry: Entry) -> _Net:
        net = _Net(self.existed_before, self.exists, self.updated, self.is_read)
        if entry.kind == DELETE:
            net.exists = False
        elif entry.kind == CREATE:
            net.exists = True
        elif entry.kind == UPDATE:
            net.updated = True
        else:
            net.is_read = entry.is_read
        return net


@dataclass(frozen=True)
class Change:
    kind: str
    uid: int
    is_read: bool = False


@dataclass(frozen=True)
class Cursor:
    seq: int = 0  # every entry up to here has been reported
    floor: int = 0  # creates up to here were covered with a horizon the cursor has passed
    horizons: tuple[tuple[int, int], ...] = ()  # (last create seq covered by a page, log head then)

    def advanced(self, seq: int, head: int) -> Cursor:
        horizons = [*self.horizons, (seq, head)]  # this page's creates were covered when the head was here
        floor = self.floor
        while horizons and horizons[0][1] <= seq:  # nothing gone by then can still be reported
            floor = horizons.pop(0)[0]
        return Cursor(seq, floor, tuple(horizons))


# uid -> (seq of its create, seq of its delete or None while it exists)
Life = Callable[[int], tuple[int, int | None]]


@dataclass(frozen=True)
class Page:
    changes: list[Change]
    cursor: Cursor  # what the new SyncState records
    includes_last: bool


def page(log: ChangeLog, cursor: Cursor, limit: int, life: Life) -> Page:
    """The coalesced changes of the longest run of entries after the cursor that fits in `limit`."""
    nets: dict[int, _Net] = {}  # insertion order = order of first change: oldest first
    skipped: set[int] = set()  # objects this client never got and never will
    count, seq = 0, cursor.seq
    for entry in islice(log.entries, bisect_right(log.seqs, cursor.seq), None):
        if entry.uid in skipped or (entry.uid not in nets and _unknown(entry, cursor, life)):
            skipped.add(entry.uid)
            seq = entry.seq
            continue
        if entry.kind in (UPDATE, READ_FLAG) and life(entry.uid)[1] is not None:
            seq = entry.seq  # superseded by the delete to come: never show a gone object as changed
            continue
        before = nets.get(entry.uid) or _Net(existed_before=entry.kind != CREATE, exists=entry.kind != CREATE)
        after_entry = before.apply(entry)
        was_counted = entry.uid in nets and before.kind is not None
        new_count = count - int(was_counted) + int(after_entry.kind is not None)
        if new_count > limit:
            return Page(_changes(nets), cursor.advanced(seq, log.last_seq), includes_last=False)
        nets[entry.uid], count, seq = after_entry, new_count, entry.seq
    return Page(_changes(nets), cursor.advanced(max(seq, cursor.seq), log.last_seq), includes_last=True)


def _unknown(entry: Entry, cursor: Cursor, life: Life) -> bool:
    """Whether this object's changes are none of the client's business: it is gone, and it was
    already gone when a page covered its create (or is created in this very run)."""
    created, deleted = life(entry.uid)
    if deleted is None:
        return False
    if entry.kind == CREATE:
        return True
    if created <= cursor.floor:
        return False
    return next((deleted <= head for covered, head in cursor.horizons if created <= covered), False)


def _changes(nets: dict[int, _Net]) -> list[Change]:
    return [Change(net.kind, uid, bool(net.is_read)) for uid, net in nets.items() if net.kind is not None]
