"""Issue 11's "done when", in local mode: an org with EmailMessage and Case records connects through
the API alone (`commsync serve`: create, add objects, OAuth), then syncs completely and
incrementally; a revoked refresh token disables the integration after the failure threshold."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest

from commsync.local_mode import run_once
from commsync.observability import logger as commsync_logger
from commsync.services.poll import PollStatus
from emulators.salesforce import Fault
from tests.integration.salesforce.support import (
    CONSUMER_SECRET,
    T0,
    USER,
    agent_reply,
    seed_org,
)
from tests.integration.salesforce.world import World, connect

pytestmark = pytest.mark.integration


def test_an_org_connected_through_the_api_syncs_completely_then_incrementally(world: World) -> None:
    # GIVEN an org with three cases and six emails, connected through the API alone
    ids = seed_org(world.emu)
    connect(world)

    # WHEN local mode syncs
    outcomes = run_once(world.local.runtime)

    # THEN both objects are done, and every case and email is one comment
    assert {o.status for o in outcomes.values()} == {PollStatus.DONE}, outcomes
    comments = world.comments()
    assert len(comments) == 9
    by_record = {c["user_properties"]["string:Salesforce Id"]: c for c in comments.values()}
    case = by_record[ids["Case"][0]]
    assert case["source"] == {
        "integration": "acme/crm",
        "kind": "salesforce",
        "mailbox": "case",
        "folder": "Case",
    }
    assert case["messages"][0]["from"] == "buyer0@contoso.example"
    assert (case["user_properties"]["string:Status"], case["user_properties"]["string:CaseNumber"]) == (
        "New",
        "00001001",
    )
    email = by_record[ids["EmailMessage"][0]]
    assert email["messages"][0]["cc"] == ["finance@contoso.example", "audit@contoso.example"]
    assert email["thread_id"] == case["id"]

    # WHEN the agent replies once more, and a case is escalated
    reply = world.emu.put(
        "EmailMessage", agent_reply(ids["Case"][2], 2, T0 + timedelta(days=1)), at=T0 + timedelta(days=1)
    )
    world.emu.put("Case", {"Id": ids["Case"][1], "Status": "Escalated"}, at=T0 + timedelta(days=1))
    world.emu.stats.reset()
    again = run_once(world.local.runtime)

    # THEN only the new email becomes a comment; the escalated case is seen and left as it was
    # (docs/architecture.md#sources: a comment's text never changes after its first sync)
    assert {o.status for o in again.values()} == {PollStatus.DONE}
    assert len(world.comments()) == 10
    counts = {key: (o.counts.created, o.counts.unchanged) for key, o in again.items()}
    assert sorted(counts.values()) == [(0, 1), (1, 0)], counts
    assert reply in {c["user_properties"]["string:Salesforce Id"] for c in world.comments().values()}
    assert world.emu.stats["op:query"] == 2  # one query per object, nothing re-read


def test_a_revoked_refresh_token_disables_the_integration_after_the_threshold(world: World) -> None:
    # GIVEN a connected, synced org
    seed_org(world.emu)
    connect(world)
    run_once(world.local.runtime)

    # WHEN the user's app access is revoked in Salesforce and two polls fail
    world.emu.revoke_refresh_tokens(USER)
    first = run_once(world.local.runtime)
    second = run_once(world.local.runtime)

    # THEN each failed as an integration failure, and the integration is now disabled with the reason
    assert {o.status for o in [*first.values(), *second.values()]} <= {PollStatus.FAILED, PollStatus.SKIPPED}
    integration = world("GET", "/integrations/acme/crm").json()
    assert integration["enabled"] is False
    assert integration["disabled"]["failure_class"] == "integration"
    assert "invalid_grant" in integration["disabled"]["error"]


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()} {record.__dict__}")


def test_no_token_code_or_consumer_secret_reaches_a_log_line_even_at_debug(world: World) -> None:
    # GIVEN every logger at DEBUG, ours included (it does not propagate)
    handler = _Everything()
    loggers = [logging.getLogger(), logging.getLogger(commsync_logger.name)]
    levels = [target.level for target in loggers]
    for target in loggers:
        target.addHandler(handler)
        target.setLevel(logging.DEBUG)
    try:
        # WHEN the org is connected and synced, with a session that expires mid-sync
        seed_org(world.emu)
        connect(world)
        world.emu.faults.fail_next(Fault.SESSION_EXPIRED, after=1)
        outcomes = run_once(world.local.runtime)
    finally:
        for target, level in zip(loggers, levels, strict=True):
            target.removeHandler(handler)
            target.setLevel(level)

    # THEN the sync worked, and no log line holds a secret, a token or an authorization code
    assert {o.status for o in outcomes.values()} == {PollStatus.DONE}
    stored = world.local.runtime.engine.secrets.get("acme/crm")  # the API names it after the integration
    # The test's own browser (requests) logs the callback URL it opens; that is not commsync's log.
    browser = "/external/salesforce/oauth2/callback?code="
    logged = "\n".join(line for line in handler.lines if not (line.startswith("urllib3") and browser in line))
    assert handler.lines and "salesforce session expired" in logged
    assert CONSUMER_SECRET not in logged and stored["refresh_token"].get_secret_value() not in logged
    assert not re.search(r"00D[0-9A-Za-z]{12}!AQ", logged), "an access token was logged"
    assert "aPrx" not in logged, "an authorization code was logged"
