"""The Salesforce checkpoint token (issue 19 additions): the formula refresh time and the bulk
flag survive a round trip, and a resume inside a run of equal stamps the window no longer covers
starts at (SystemModstamp, Id)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from commsync.sources.salesforce.checkpoint import Floor, Mark

TS = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def test_refreshed_and_bulk_round_trip_and_old_tokens_read_without_them() -> None:
    mark = Mark(TS, "500A", floor=Floor(TS - timedelta(minutes=5)), refreshed=TS, bulk=True)
    again = Mark.decode(mark.encode(), None)
    assert (again.refreshed, again.bulk) == (TS, True)
    old = Mark.decode('{"v":2,"ts":"2024-03-01T09:30:00+00:00","id":"500A"}', None)
    assert (old.refreshed, old.bulk) == (None, False)


def test_a_resume_inside_an_uncovered_run_starts_after_the_last_id() -> None:
    # The window outgrew its bound inside a run of equal stamps: its floor is open at the mark.
    assert Mark(TS, "500B", floor=Floor(TS, open=True)).lower_bound() == (TS, False, "500B")
    # A closed run, or a window that still covers the stamp, reads as before.
    assert Mark(TS, "500B", closed=True, floor=Floor(TS, open=True)).lower_bound() == (TS, True, None)
    assert Mark(TS, "500B", floor=Floor(TS)).lower_bound() == (TS, False, None)
    earlier = TS - timedelta(minutes=5)
    assert Mark(TS, "500B", floor=Floor(earlier)).lower_bound() == (earlier, False, None)
