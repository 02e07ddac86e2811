"""Injected faults as Exchange sends them, and what exchangelib's retry policies make of them."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from exchangelib import FaultTolerance
from exchangelib.errors import ErrorMailboxStoreUnavailable, ErrorServerBusy, RateLimitError
from exchangelib.protocol import CachingProtocol

from tests.integration.emulators.test_ews_support import ANN, BOB, serve, write_mailboxes

pytestmark = pytest.mark.integration


def test_fault_tolerance_honours_back_off_milliseconds_then_succeeds(tmp_path: Path) -> None:
    # GIVEN the next two requests for Ann are throttled with a 300 ms back-off
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        served.emulator.faults.fail_next(ANN, 2, back_off_ms=300)
        account = served.account(retry_policy=FaultTolerance(max_wait=5))

        # WHEN exchangelib (FaultTolerance) reads the inbox
        started = time.monotonic()
        count = account.inbox.total_count

        # THEN it waited the server's back-off twice, then got its answer
        assert count == 3
        assert 0.6 <= time.monotonic() - started < 5
        assert served.emulator.stats["faults"] == 2


def test_fail_fast_raises_server_busy_with_the_back_off_and_max_wait_bounds_the_wait(tmp_path: Path) -> None:
    # GIVEN Ann's requests are throttled with a 2.5 s back-off
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        served.emulator.faults.fail_next(ANN, 2, back_off_ms=2500)

        # WHEN FailFast and then FaultTolerance(max_wait=1) call the server
        with pytest.raises(ErrorServerBusy) as busy:
            _ = served.account().root
        CachingProtocol.clear_cache()  # else the cached FailFast Protocol is reused (PROTOCOLS.md 1)
        started = time.monotonic()
        with pytest.raises(RateLimitError):
            _ = served.account(retry_policy=FaultTolerance(max_wait=1)).root

        # THEN FailFast reports the server's back-off; FaultTolerance gives up at once rather than oversleep
        assert busy.value.back_off == 2.5
        assert time.monotonic() - started < 1


def test_a_seeded_throttle_ratio_throttles_the_same_requests_every_time(tmp_path: Path) -> None:
    # GIVEN half of Ann's requests throttled, with a fixed seed
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account = served.account()
        inbox = account.inbox

        def pattern() -> list[bool]:
            served.emulator.faults.set(ANN, throttle_ratio=0.5, seed=7)
            outcome = []
            for _ in range(20):
                try:
                    inbox.refresh()
                    outcome.append(True)
                except ErrorServerBusy:
                    outcome.append(False)
            return outcome

        # WHEN the same twenty requests are made twice
        first, second = pattern(), pattern()

        # THEN the throttled ones are the same, and about half
        assert first == second
        assert 5 <= first.count(False) <= 15


def test_an_error_code_and_a_delay_apply_to_one_mailbox_until_cleared(tmp_path: Path) -> None:
    # GIVEN Ann's mailbox store "unavailable" and Bob's answers slowed by 300 ms
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        faults = served.emulator.faults
        faults.set(ANN, error="ErrorMailboxStoreUnavailable")
        faults.set(BOB, delay_seconds=0.3)

        # WHEN both are read
        with pytest.raises(ErrorMailboxStoreUnavailable):
            _ = served.account(ANN).root
        started = time.monotonic()
        bob_count = served.account(BOB).inbox.total_count

        # THEN Ann gets the EWS error per response message, Bob his answer late; clearing restores Ann
        assert bob_count == 1 and time.monotonic() - started >= 0.3
        faults.clear(ANN)
        assert served.account(ANN).inbox.total_count == 3


def test_stats_count_requests_per_operation_and_mailbox(tmp_path: Path) -> None:
    # GIVEN a fresh emulator
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        stats = served.emulator.stats

        # WHEN Ann's inbox is opened and its counters read, then reset
        _ = served.account().inbox
        snapshot = stats.snapshot()
        stats.reset()

        # THEN GetFolder for root and inbox was counted against Ann, and reset empties the counters
        assert snapshot["op:GetFolder"] == 2 and snapshot[f"mailbox:{ANN}"] == 2
        assert snapshot["http_requests"] >= 2
        assert stats.snapshot() == {}
