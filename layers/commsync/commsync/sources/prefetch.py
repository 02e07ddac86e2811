"""A bounded prefetching iterator: the next page is fetched while the caller works on this one.

A backfill spends its time in two places that need not wait for each other: the server (the
next SyncFolderItems and GetItem, a Graph `$batch`, a Salesforce queryMore, each a network
round trip) and the poller (clean and store the page it holds). Run one after the other, every
wait is added to the CPU time (issue 20). `read_ahead()` runs a source's page generator on one
worker thread, at most `ahead` pages ahead of the consumer, and hands the pages over in their
order, so the poller's loop, its per-page checkpoint order and its crash guarantees are exactly
as without it: a page's checkpoint is still written after its comments, by the consumer; a page
fetched ahead and never consumed is simply fetched again by the next poll.

One worker thread is the only one sending the page requests, so this adds no connection: it
stays within an integration's `max_connections` (exchangelib and requests wait for a free
session). The worker only reads; it never writes state.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class _Done:
    pass


_DONE = _Done()


class _Worker(Generic[T]):
    """Fetches a page only when a slot is free: `ahead` slots, one given back per page taken, so
    at most `ahead` pages are fetched (or being fetched) beyond the one the consumer holds."""

    def __init__(self, pages: Iterator[T], ahead: int) -> None:
        self._pages = pages
        self.handover: queue.SimpleQueue[T | _Failed | _Done] = queue.SimpleQueue()
        self.slots = threading.Semaphore(ahead)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="commsync-read-ahead", daemon=True)

    def _run(self) -> None:
        try:
            while self._slot():
                page = next(self._pages, _DONE)
                self.handover.put(page)
                if page is _DONE:
                    return
        except BaseException as error:  # handed to the consumer, who raises it in its own frame
            self.handover.put(_Failed(error))
        finally:
            close = getattr(self._pages, "close", None)
            if close is not None:
                close()

    def _slot(self) -> bool:
        # Blocks without polling: a consumer that stops sets `stop` and then frees a slot.
        self.slots.acquire()
        return not self.stop.is_set()


def read_ahead(pages: Iterator[T], ahead: int = 1) -> Generator[T, None, None]:
    """`pages`, in order, each fetched on a worker thread while the caller works on the previous
    one; at most `ahead` pages are fetched beyond the one the caller holds. An error of `pages` is
    raised here, where the caller would have met it. Closing this iterator (the poller stopped
    early) stops the worker and waits for its request in flight, so nothing uses the connection
    after the source is closed."""
    if ahead < 1:
        yield from pages
        return
    worker = _Worker(pages, ahead)
    worker.thread.start()
    try:
        while True:
            item = worker.handover.get()
            if isinstance(item, _Done):
                return
            if isinstance(item, _Failed):
                raise item.error
            worker.slots.release()  # the next page may be fetched while the caller works on this one
            yield item
    finally:
        worker.stop.set()
        worker.slots.release()  # wakes a worker waiting for a slot
        worker.thread.join()
