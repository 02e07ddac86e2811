"""Local mode: the same dispatcher and poller in one process, on SQLite and a directory."""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from commsync.adapters.local.file_blobs import FileBlobs, remove_leftovers
from commsync.adapters.local.file_secrets import FileSecrets
from commsync.adapters.local.log_notifier import LogNotifier
from commsync.adapters.local.memory_queue import MemoryQueue
from commsync.adapters.local.sqlite_state import SqliteState
from commsync.engine import DisablePolicy, Engine
from commsync.errors import ConfigError
from commsync.local_config import LocalConfig
from commsync.loop_health import LoopHealth
from commsync.models import MailboxRef, MailboxState, SyncCounts
from commsync.observability import logger
from commsync.services.dispatch import dispatch
from commsync.services.mailbox_state import update_mailbox_state
from commsync.services.manage import apply_integration, apply_mailbox
from commsync.services.poll import PollLimits, PollOutcome, PollStatus, poll
from commsync.services.poll_outcome import FolderProgress
from commsync.settings import local_secret_environment

Progress = Callable[[MailboxRef, SyncCounts], None]


@dataclass
class LocalRuntime:
    config: LocalConfig
    engine: Engine
    queue: MemoryQueue
    state: SqliteState

    def close(self) -> None:
        self.state.close()


def open_local(config: LocalConfig) -> LocalRuntime:
    state = SqliteState(config.store / "state.sqlite3")
    queue = MemoryQueue()
    engine = Engine(
        state=state,
        blobs=FileBlobs(config.store),
        queue=queue,
        notifier=LogNotifier(),
        secrets=FileSecrets(config.secrets_file, local_secret_environment()),
        ai_unit_quota=config.ai_unit_quota,
        disable_policy=DisablePolicy(config.disable_after_failures, config.disable_after_minutes),
    )
    return LocalRuntime(config=config, engine=engine, queue=queue, state=state)


def apply_config(runtime: LocalRuntime) -> None:
    """The file is the source of truth for definitions; runtime state (checkpoints, counts) stays."""
    for item in runtime.config.integrations:
        integration = apply_integration(runtime.engine, item.to_integration(), enabled=item.enabled)
        for mailbox in item.mailboxes:
            apply_mailbox(runtime.engine, mailbox.to_mailbox(integration.key), enabled=mailbox.enabled)


def run_once(runtime: LocalRuntime, progress: Progress | None = None) -> dict[str, PollOutcome]:
    """Poll every enabled mailbox now, following continuations until each one is done."""
    engine, now = runtime.engine, runtime.engine.clock()
    for integration in engine.state.list_integrations():
        for mailbox, state in engine.state.list_mailboxes(integration.key):
            if state.enabled:
                engine.state.schedule_poll(mailbox.ref, now)
    dispatch(engine)
    return drain(runtime, progress)


def drain(runtime: LocalRuntime, progress: Progress | None = None) -> dict[str, PollOutcome]:
    outcomes: dict[str, PollOutcome] = {}
    budget = runtime.config.poll_time_budget_seconds
    limits = PollLimits(page_size=runtime.config.page_size, reserve_seconds=min(30.0, budget / 10))
    with exclusive_runner(runtime.config.store):
        count_killed_polls(runtime)
        while (job := runtime.queue.receive()) is not None:
            # The same budget as a Lambda invocation: past it the poll stores its checkpoint and
            # queues a continuation, which this loop then picks up (issue 6).
            deadline = time.monotonic() + budget
            outcome = poll(
                runtime.engine,
                job,
                remaining_seconds=lambda deadline=deadline: deadline - time.monotonic(),  # type: ignore[misc]
                limits=limits,
                progress=_noting(runtime, progress),
            )
            runtime.state.forget_counts(job.mailbox)  # its outcome, counts included, is saved
            _merge(outcomes, job.mailbox.key, outcome)
    return outcomes


def _noting(runtime: LocalRuntime, progress: Progress | None) -> Progress:
    """After every page, the poll's running counts are noted (adapters/local/sqlite_pending.py)."""
    return _Noting(runtime, progress)


class _Noting:
    """Notes the counts, then hands them on; a FolderProgress (the CLI's) also hears of folders
    and their totals (issue 23), which a plain wrapping function would hide from the poller."""

    def __init__(self, runtime: LocalRuntime, progress: Progress | None) -> None:
        self._runtime, self._progress = runtime, progress

    def __call__(self, ref: MailboxRef, counts: SyncCounts) -> None:
        self._runtime.state.note_counts(ref, counts, self._runtime.engine.clock())
        if self._progress is not None:
            self._progress(ref, counts)

    def entering(self, ref: MailboxRef, folder: str) -> None:
        if isinstance(self._progress, FolderProgress):
            self._progress.entering(ref, folder)

    def estimated(self, ref: MailboxRef, folder: str, total: int) -> None:
        if isinstance(self._progress, FolderProgress):
            self._progress.estimated(ref, folder, total)


def count_killed_polls(runtime: LocalRuntime) -> None:
    """Add the counts of polls killed before their outcome was saved (issue 16: status under-counted)."""
    for ref, counts, noted_at in runtime.state.noted_counts():
        found = runtime.state.get_mailbox(ref)
        last = found[1].last_sync_at if found else None
        if found is not None and (last is None or last < noted_at):

            def add(state: MailboxState, counts: SyncCounts = counts) -> MailboxState:
                return state.model_copy(update={"counts": state.counts.add(counts)})

            update_mailbox_state(runtime.engine, ref, add)
        runtime.state.forget_counts(ref)


def _merge(outcomes: dict[str, PollOutcome], key: str, outcome: PollOutcome) -> None:
    """A mailbox polled in several continuations reports its counts summed."""
    previous = outcomes.get(key)
    if previous and outcome.status is not PollStatus.FAILED:
        outcome.counts = previous.counts.add(outcome.counts)
    outcomes[key] = outcome


@contextmanager
def exclusive_runner(store: Path) -> Iterator[None]:
    """One syncing process per local store, held by an OS lock that dies with its process.

    Polls need no lease (their checkpoint writes compare and set), so a kill -9 mid-poll
    leaves nothing to wait for on restart.
    """
    store.mkdir(parents=True, exist_ok=True)
    with (store / "runner.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(
                f"another commsync process is syncing the store {store}; run one per store"
            ) from None
        try:
            _tidy_once(store)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Stores this process has tidied since it holds their lock: once is enough, a walk per tick is not.
_TIDIED: set[Path] = set()


def _tidy_once(store: Path) -> None:
    if store in _TIDIED:
        return
    removed = remove_leftovers(store)
    _TIDIED.add(store)
    if removed:
        logger.info("removed half-written files a killed run left", extra={"count": removed})


def run_forever(
    runtime: LocalRuntime,
    stop: threading.Event,
    progress: Progress | None = None,
    tick_seconds: float = 1.0,
    health: LoopHealth | None = None,
) -> None:
    """Dispatch and drain until `stop` is set; the schedule lives in the state, as on AWS.

    The tick only bounds how late a due mailbox starts: a due-index query on SQLite costs
    microseconds, so checking every second is free. A failing tick is logged (and reported in
    `health`, `commsync serve`'s /health) and retried at the next one: the loop never dies of one
    (issue 16: a `run --once` holding the store lock killed the loop for good). Only another
    process syncing the store when `commsync run` starts is a refusal (ConfigError: one line,
    exit 2); `serve` (with `health`) keeps its API up and waits for the store instead.
    """
    if health is None:
        with exclusive_runner(runtime.config.store):
            pass  # two runs over one store is a mistake to refuse, not a tick to retry
    last = runtime.engine.clock()
    while not stop.is_set():
        now = runtime.engine.clock()
        try:
            # The window since the previous tick, however long the drain took: no slot is missed.
            dispatch(runtime.engine, until=now, window=max(now - last, timedelta(seconds=tick_seconds)))
            last = now
            drain(runtime, progress)
        except Exception as exc:
            _tick_failed(health, exc)
        else:
            if health is not None:
                health.tick_succeeded()
        stop.wait(tick_seconds)


def _tick_failed(health: LoopHealth | None, exc: Exception) -> None:
    if isinstance(exc, ConfigError):  # another process is syncing the store: it ends, we go on
        logger.warning("sync tick skipped", extra={"reason": str(exc)})
        reason = str(exc)
    else:
        logger.exception("sync tick failed; retried at the next tick")
        reason = f"{type(exc).__name__} (see the log)"
    if health is not None:
        health.tick_failed(reason)
