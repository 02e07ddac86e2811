"""Persistent failures disable exactly what is broken, say why, and re-enabling resumes (issue 6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commsync.adapters.local.log_notifier import LogNotifier
from commsync.errors import DisableReason, FailureClass
from commsync.models import MailboxRef, PollJob
from commsync.models.job import JobReason
from commsync.services.manage import enable
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, EwsWorld, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN, BOB, GONE = "ann@contoso.example", "bob@contoso.example", "left-the-company@contoso.example"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _data(root: Path) -> Path:
    data = root / "data"
    for n in range(3):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
        write_eml(data, BOB, "Inbox", f"{n}.eml", email_bytes(10 + n))
    return data


def _poll_every_quarter_hour(world: EwsWorld, clock: Clock, times: int) -> None:
    for _ in range(times):
        world.sync()
        clock.now += timedelta(minutes=15)


def _notices(world: EwsWorld) -> list[str]:
    notifier = world.runtime.engine.notifier
    assert isinstance(notifier, LogNotifier)
    return [n.message for n in notifier.sent]


def test_a_denied_mailbox_is_disabled_after_repeated_failures_and_only_it(tmp_path: Path) -> None:
    # GIVEN a service account denied impersonation on Bob's mailbox, and a mailbox that does not exist
    emulator = EwsEmulator.from_directory(
        _data(tmp_path), users={SERVICE_USER: SERVICE_PASSWORD}, deny={(SERVICE_USER, BOB)}
    )
    clock = Clock()
    with ews_world(tmp_path, emulator, [ANN, BOB, GONE]) as world:
        world.runtime.engine.clock = clock

        # WHEN two polls fail: nothing is disabled yet (one bad half hour is not persistent)
        _poll_every_quarter_hour(world, clock, 2)
        bob = world.runtime.engine.state.get_mailbox(MailboxRef(integration=KEY, address=BOB))
        assert bob is not None and bob[1].enabled and bob[1].failures == 2

        # WHEN the failures go on past three polls and thirty minutes
        _poll_every_quarter_hour(world, clock, 1)

        # THEN Bob's and the missing mailbox are disabled with reason, class and error; Ann goes on
        state = world.runtime.engine.state
        for address, words in ((BOB, "impersonate"), (GONE, "does not exist")):
            found = state.get_mailbox(MailboxRef(integration=KEY, address=address))
            assert found is not None
            disabled = found[1].disabled
            assert disabled is not None and disabled.reason is DisableReason.SYNC_ERROR
            assert disabled.failure_class is FailureClass.MAILBOX and words in (disabled.error or "")
        integration = state.get_integration(KEY)
        assert integration is not None and integration.enabled
        ann = state.get_mailbox(MailboxRef(integration=KEY, address=ANN))
        assert ann is not None and ann[1].enabled and ann[1].failures == 0
        notices = _notices(world)
        assert len(notices) == 2
        assert any(BOB in n and "ApplicationImpersonation" in n and "re-enable" in n for n in notices)


def test_wrong_credentials_disable_the_integration_and_re_enable_resumes(tmp_path: Path) -> None:
    # GIVEN the service account's password was changed on the server
    emulator = EwsEmulator.from_directory(_data(tmp_path), users={SERVICE_USER: "a-new-password"})
    clock = Clock()
    with ews_world(tmp_path, emulator, [ANN, BOB]) as world:
        world.runtime.engine.clock = clock

        # WHEN polls keep failing for three quarter-hours
        _poll_every_quarter_hour(world, clock, 3)

        # THEN the integration is disabled once, with one notification naming it and the fix
        integration = world.runtime.engine.state.get_integration(KEY)
        assert integration is not None and integration.disabled is not None
        assert integration.disabled.failure_class is FailureClass.INTEGRATION
        notices = _notices(world)
        assert len(notices) == 1 and KEY in notices[0] and "credentials" in notices[0]
        assert "a-new-password" not in notices[0] and SERVICE_PASSWORD not in notices[0]

        # WHEN the operator stores the new password and re-enables the integration
        (tmp_path / "secrets.toml").write_text(
            '[exchange-svc]\nusername = "CORP\\\\svc-sync"\npassword = "a-new-password"\n'
        )
        assert enable(world.runtime.engine, KEY)

        # THEN the failure counts are cleared, and the next poll syncs every mailbox
        for address in (ANN, BOB):
            found = world.runtime.engine.state.get_mailbox(MailboxRef(integration=KEY, address=address))
            assert found is not None and found[1].failures == 0 and found[1].failing_since is None
        outcomes = world.sync()
        assert all(o.status is PollStatus.DONE for o in outcomes.values()), outcomes
        assert len(world.comments()) == 6


def test_a_throttling_storm_disables_nothing(tmp_path: Path) -> None:
    # GIVEN a server that is busy for every request, for hours
    emulator = EwsEmulator.from_directory(_data(tmp_path), users={SERVICE_USER: SERVICE_PASSWORD})
    emulator.faults.set(ANN, throttle_ratio=1.0, back_off_ms=3_600_000)
    clock = Clock()
    with ews_world(tmp_path, emulator, [ANN]) as world:
        world.runtime.engine.clock = clock
        _poll_every_quarter_hour(world, clock, 6)

        # THEN it is counted as transient and nothing is disabled or notified
        found = world.runtime.engine.state.get_mailbox(MailboxRef(integration=KEY, address=ANN))
        assert found is not None and found[1].enabled and found[1].failures == 6
        assert _notices(world) == []

        # WHEN the storm passes, the next poll syncs everything
        emulator.faults.clear(ANN)
        world.sync()
        assert len(world.comments()) == 3


def test_local_mode_obeys_the_poll_time_budget_and_continues(tmp_path: Path) -> None:
    # GIVEN a slow server (0.15 s per request) and a one-second budget per poll
    data = tmp_path / "data"
    for n in range(12):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    emulator.faults.set(ANN, delay_seconds=0.15)
    with ews_world(tmp_path, emulator, [ANN], page_size=2) as world:
        world.runtime.config = world.runtime.config.model_copy(update={"poll_time_budget_seconds": 1.0})
        continuations: list[int] = []
        send = world.runtime.queue.send

        def counting_send(jobs: Sequence[PollJob]) -> None:
            continuations.extend(1 for job in jobs if job.reason is JobReason.CONTINUATION)
            send(jobs)

        world.runtime.queue.send = counting_send  # type: ignore[method-assign]

        # WHEN it syncs once
        outcome = world.sync()[f"{KEY}#{ANN}"]

        # THEN the backfill went on across several budgeted polls and finished, nothing doubled
        assert outcome.status is PollStatus.DONE
        assert len(continuations) >= 2
        assert len(world.comments()) == 12
