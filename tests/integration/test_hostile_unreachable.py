"""Issue 16, item 6: an unreachable server is named with its host and cause, a mistyped endpoint
disables the integration once persistent, and an outage of one that answered before does not."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commsync.errors import FailureClass
from commsync.local_mode import apply_config
from commsync.models import MailboxRef
from commsync.services.poll import PollStatus
from emulators.ews import EwsEmulator
from tests.support.ews import KEY, SERVICE_PASSWORD, SERVICE_USER, EwsWorld, ews_world
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration

ANN = "ann@contoso.example"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _emulator(tmp: Path) -> EwsEmulator:
    write_eml(tmp / "data", ANN, "Inbox", "0.eml", email_bytes(0))
    return EwsEmulator.from_directory(tmp / "data", users={SERVICE_USER: SERVICE_PASSWORD})


def _server_gone(world: EwsWorld) -> None:
    """The emulator stops and its port closes: connections are refused from now on."""
    world.server.shutdown()
    world.server.server_close()


def _poll_every_quarter_hour(world: EwsWorld, clock: Clock, times: int) -> list[str]:
    errors = []
    for _ in range(times):
        outcome = world.sync()[f"{KEY}#{ANN}"]
        assert outcome.status is PollStatus.FAILED
        errors.append(outcome.error or "")
        clock.now += timedelta(minutes=15)
    return errors


def test_an_endpoint_that_never_answered_disables_the_integration_with_host_cause_and_fix(
    tmp_path: Path,
) -> None:
    with ews_world(tmp_path, _emulator(tmp_path), [ANN]) as world:
        clock = Clock()
        world.runtime.engine.clock = clock
        host = world.server.url.removeprefix("http://").split(":")[0]
        _server_gone(world)
        # WHEN every poll for three quarter-hours is refused
        errors = _poll_every_quarter_hour(world, clock, 3)
        # THEN each error names the host and the cause; then the integration stops with a fix hint
        assert all(host in e and "refuses connections" in e for e in errors), errors
        integration = world.runtime.engine.state.get_integration(KEY)
        assert integration is not None and integration.disabled is not None
        assert integration.disabled.failure_class is FailureClass.INTEGRATION
        assert "check the endpoint's host and port" in (integration.disabled.error or "")


def test_a_server_that_answered_before_stays_transient_when_it_goes_away(tmp_path: Path) -> None:
    with ews_world(tmp_path, _emulator(tmp_path), [ANN]) as world:
        clock = Clock()
        world.runtime.engine.clock = clock
        assert world.sync()[f"{KEY}#{ANN}"].status is PollStatus.DONE
        _server_gone(world)
        errors = _poll_every_quarter_hour(world, clock, 4)
        assert all("unreachable" in e and "refuses connections" in e for e in errors), errors
        state = world.runtime.engine.state
        integration = state.get_integration(KEY)
        mailbox = state.get_mailbox(MailboxRef(integration=KEY, address=ANN))
        assert integration is not None and integration.enabled
        assert mailbox is not None and mailbox[1].enabled and mailbox[1].failures == 4


def test_a_host_name_that_does_not_resolve_is_called_a_dns_failure(tmp_path: Path) -> None:
    with ews_world(tmp_path, _emulator(tmp_path), [ANN]) as world:
        # GIVEN the endpoint's host is mistyped (a reserved name that never resolves, RFC 6761)
        config = world.runtime.config
        item = config.integrations[0]
        typo = item.model_copy(update={"endpoint": "https://exchange.contoso.invalid/EWS/Exchange.asmx"})
        world.runtime.config = config.model_copy(update={"integrations": [typo]})
        apply_config(world.runtime)
        # WHEN it is polled THEN the error says DNS and names the host
        error = world.sync()[f"{KEY}#{ANN}"].error or ""
        assert "exchange.contoso.invalid" in error and "DNS" in error, error


def test_one_request_that_times_out_is_sent_again_and_the_poll_goes_on(tmp_path: Path) -> None:
    emulator = _emulator(tmp_path)
    with ews_world(tmp_path, emulator, [ANN], options={"request_timeout_seconds": 5}) as world:
        # GIVEN the server sits on the first request for Ann's mailbox past the client's timeout
        emulator.faults.set(ANN, delay_seconds=8)

        def clear_once_delayed() -> None:
            deadline = time.monotonic() + 30
            while emulator.stats[f"mailbox:{ANN}"] == 0 and time.monotonic() < deadline:
                time.sleep(0.01)
            emulator.faults.clear(ANN)  # only that one request is slow

        helper = threading.Thread(target=clear_once_delayed)
        helper.start()
        # WHEN it is polled THEN the timed-out request is sent again and the poll completes
        outcome = world.sync()[f"{KEY}#{ANN}"]
        helper.join()
        assert outcome.status is PollStatus.DONE, outcome.error
        assert outcome.counts.created == 1
        assert emulator.stats[f"mailbox:{ANN}"] >= 2
