"""The sources' bounded read-ahead (issue 20): pages in order, fetched while the caller works on
the previous one, never more than `ahead` beyond it, errors where the caller would meet them."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from commsync.sources.prefetch import read_ahead

WAIT = 10.0  # generous upper bound for a condition; the tests never sleep a fixed time


class Pages:
    """A source's page generator that records what it was asked for, and on which thread."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.fetched: list[int] = []
        self.threads: set[str] = set()
        self.closed = threading.Event()
        self.changed = threading.Condition()

    def __iter__(self) -> Iterator[str]:
        try:
            for n in range(self.count):
                if n == self.fail_at:
                    raise ConnectionError(f"page {n} failed")
                with self.changed:
                    self.fetched.append(n)
                    self.threads.add(threading.current_thread().name)
                    self.changed.notify_all()
                yield f"page-{n}"
        finally:
            self.closed.set()

    def wait_fetched(self, count: int) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.fetched) >= count, timeout=WAIT)


def test_pages_come_in_their_order_all_of_them_from_a_worker_thread() -> None:
    pages = Pages(7)
    assert list(read_ahead(iter(pages))) == [f"page-{n}" for n in range(7)]
    assert pages.threads == {"commsync-read-ahead"}
    assert pages.closed.is_set()


def test_the_next_page_is_fetched_while_the_caller_holds_this_one_and_no_further() -> None:
    # GIVEN a caller that took the first page and is still working on it
    pages = Pages(10)
    reader = read_ahead(iter(pages), ahead=1)
    assert next(reader) == "page-0"

    # THEN the second page is fetched meanwhile (the overlap)...
    assert pages.wait_fetched(2)
    # ...and not a third: only after the caller takes the second may the third be fetched
    assert pages.fetched == [0, 1]
    assert next(reader) == "page-1"
    assert pages.wait_fetched(3)
    assert pages.fetched == [0, 1, 2]
    reader.close()


def test_an_error_reaches_the_caller_after_the_pages_before_it() -> None:
    reader = read_ahead(iter(Pages(5, fail_at=2)))
    assert [next(reader), next(reader)] == ["page-0", "page-1"]
    with pytest.raises(ConnectionError, match="page 2 failed"):
        next(reader)


def test_a_caller_that_stops_early_stops_the_worker_and_closes_the_source_pages() -> None:
    # GIVEN a poller out of time after one page of many
    pages = Pages(1000)
    reader = read_ahead(iter(pages))
    next(reader)

    # WHEN it stops reading
    reader.close()

    # THEN the worker is gone and the page generator closed, with at most one page read ahead
    assert pages.closed.is_set()
    assert len(pages.fetched) <= 2
    assert not any(t.name == "commsync-read-ahead" for t in threading.enumerate())


def test_no_read_ahead_reads_on_the_callers_thread() -> None:
    pages = Pages(3)
    assert list(read_ahead(iter(pages), ahead=0)) == ["page-0", "page-1", "page-2"]
    assert pages.threads == {threading.current_thread().name}
