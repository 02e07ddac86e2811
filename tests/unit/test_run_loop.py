"""`commsync run` without --once: a failing tick is retried, a store held at start is refused (issue 16)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from commsync.cli import main
from commsync.errors import ConfigError
from commsync.local_mode import exclusive_runner, run_forever
from commsync.models import MailboxRef
from tests.support.local import KEY, local_world, write_config
from tests.support.mail import email_bytes, write_eml

ANN = "ann@northwind.example"
T = TypeVar("T")


def _until(check: Callable[[], T], seconds: float = 30.0) -> T:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)
    return result


def _held(store: Path) -> ExitStack:
    """The store's lock, taken between two of the loop's ticks (it holds it while it drains)."""
    deadline = time.monotonic() + 30
    while True:
        stack = ExitStack()
        try:
            stack.enter_context(exclusive_runner(store))
            return stack
        except ConfigError:
            assert time.monotonic() < deadline, "the loop never let go of the store"
            time.sleep(0.002)


@contextmanager
def restored(handlers: dict[signal.Signals, Any]) -> Iterator[None]:
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def test_a_tick_failing_on_a_held_store_is_retried_at_the_next_tick(tmp_path: Path) -> None:
    world = local_world(tmp_path, [ANN])
    ticks: list[datetime] = []
    real_clock = world.runtime.engine.clock

    def counting_clock() -> datetime:
        ticks.append(real_clock())
        return ticks[-1]

    world.runtime.engine.clock = counting_clock
    stop = threading.Event()
    loop = threading.Thread(target=run_forever, args=(world.runtime, stop), kwargs={"tick_seconds": 0.02})
    loop.start()
    try:
        _until(lambda: len(ticks) >= 2)  # the first tick ran (the new mailbox's first poll)
        # GIVEN another process syncing the store (a `run --once` overlapping the loop)
        with _held(world.store):
            write_eml(world.mail, ANN, "Inbox", "0.eml", email_bytes(0))
            world.runtime.state.schedule_poll(
                MailboxRef(integration=KEY, address=ANN), real_clock() + timedelta(seconds=0.2)
            )
            seen = len(ticks)
            # WHEN ticks fail on it for a while, THEN the loop keeps ticking
            _until(lambda: len(ticks) >= seen + 20 or not loop.is_alive())
            assert loop.is_alive(), "the loop died of a failing tick"
        # AND once the store is free the next tick syncs what was waiting
        _until(lambda: len(world.comments()) == 1 or not loop.is_alive())
        assert loop.is_alive() and len(world.comments()) == 1
    finally:
        stop.set()
        loop.join(timeout=30)
        world.runtime.close()


def test_a_store_held_when_run_starts_is_a_one_line_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, [ANN])
    # `run` installs its SIGINT/SIGTERM handlers before it starts: give pytest its own back.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with restored(handlers), exclusive_runner(tmp_path / "store"):
        assert main(["run", "--config", str(config)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("commsync: another commsync process is syncing the store")
    assert not any("Traceback" in line for line in lines)
