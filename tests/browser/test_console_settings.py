"""Notification subscriptions and bulk poll schedules in the console (issue 12, second round)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from selenium.webdriver.support.ui import Select

from tests.browser.world import ANN, BOB, CAROL, ConsoleWorld

pytestmark = pytest.mark.browser

ROTA = "acme/rota"
DESKS = "acme/desks"
RESULT = "[data-schedule-result]"
DESK_ADDRESSES = [f"desk{n:03}@contoso.example" for n in range(130)]


@pytest.fixture(scope="module")
def rota(world: ConsoleWorld) -> ConsoleWorld:
    """Ann, Bob and Carol synced once by acme/rota, polled every 5 minutes (the default)."""
    world.ews_integration(ROTA, "acme-rota", [ANN, BOB, CAROL])
    world.synced(ROTA, ANN, created=5)
    return world


@pytest.fixture(scope="module")
def desks(world: ConsoleWorld) -> ConsoleWorld:
    """130 shared desk mailboxes of a stopped integration: more than one request of /schedules."""
    world.ews_integration(DESKS, "acme-desks", DESK_ADDRESSES, stopped=True)
    return world


def _subscriptions(console: ConsoleWorld) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = console.api("GET", f"/integrations/{ROTA}/subscriptions").json()
    return found


def _mailbox(console: ConsoleWorld, key: str, address: str) -> dict[str, Any]:
    found: dict[str, Any] = console.api("GET", f"/integrations/{key}/mailboxes/{address}").json()
    return found


def _tick(console: ConsoleWorld, selector: str) -> None:
    console.until(lambda: console.css(selector)).click()


def test_a_view_only_caller_subscribes_an_address_sees_the_apis_error_and_unsubscribes(
    rota: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN an auditor (view permission only) on the integration's page
    console.sign_in("auditor")
    console.open(f"#/integrations/{ROTA}")
    form = console.until(lambda: console.css("form[aria-label='Subscribe']"))
    assert "Nobody is subscribed yet" in console.until(lambda: console.text("[data-subscriptions]") or None)

    # WHEN they ask for an https subscription with a plain http:// URL
    Select(console.field("Protocol", form)).select_by_visible_text("HTTPS endpoint")
    endpoint = console.field("Endpoint", form)
    endpoint.send_keys("http://hooks.contoso.example/commsync")
    console.press("Subscribe", form)

    # THEN the API's reason shows beside the endpoint, and nothing was subscribed
    assert "needs an https:// URL" in console.until(lambda: console.error_beside(endpoint))
    assert endpoint.get_attribute("aria-invalid") == "true" and _subscriptions(console) == []

    # WHEN an e-mail address is subscribed instead
    Select(console.field("Protocol", form)).select_by_visible_text("E-mail")
    endpoint.clear()
    endpoint.send_keys("oncall@contoso.example")
    console.press("Subscribe", form)

    # THEN it is listed with its protocol, the API has it, and the field's error is gone
    console.notice("oncall@contoso.example is subscribed")
    row = console.until(lambda: console.css("tr[data-subscription]"))
    assert "E-mail" in row.text and "oncall@contoso.example" in row.text and "just now" in row.text
    assert console.error_beside(endpoint) == "" and endpoint.get_attribute("value") == ""
    assert [(s["protocol"], s["endpoint"]) for s in _subscriptions(console)] == [
        ("email", "oncall@contoso.example")
    ]
    console.shot("integration-notifications")

    # WHEN it is unsubscribed and the confirmation accepted
    console.press("Unsubscribe", row)
    assert "oncall@contoso.example" in console.confirm()

    # THEN the list and the API agree that nobody is subscribed
    console.notice("oncall@contoso.example is unsubscribed")
    console.until(lambda: "Nobody is subscribed yet" in console.text("[data-subscriptions]"))
    assert _subscriptions(console) == []


def test_two_mailboxes_get_a_new_interval_from_the_overview_and_a_refused_one_says_why(
    rota: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN an operator who goes from the overview to the schedules page
    console.sign_in("ops")
    console.open("#/")
    console.until(lambda: console.css("a[data-key='schedules']")).click()
    form = console.until(lambda: console.css("form[aria-label='Set a poll interval']"))

    # WHEN Ann and Bob of acme/rota are ticked and 200 hours asked for (more than the API's week)
    for address in (ANN, BOB):
        _tick(console, f"input[data-integration='{ROTA}'][data-mailbox='{address}']")
    assert console.text("#schedule-count") == "2 mailbox(es) chosen."
    interval = console.field("Poll every", form)
    interval.clear()
    interval.send_keys("200")
    Select(console.field("Unit", form)).select_by_visible_text("hours")
    console.press("Set the interval", form)

    # THEN the API's limit shows beside the interval, and nothing changed
    assert "604800" in console.until(lambda: console.error_beside(interval))
    console.until(lambda: "Nothing was changed" in console.text(RESULT))
    assert _mailbox(console, ROTA, ANN)["poll_interval_seconds"] == 300

    # WHEN 2 minutes are asked for instead
    interval.clear()
    interval.send_keys("2")
    Select(console.field("Unit", form)).select_by_visible_text("minutes")
    before = datetime.now(UTC)
    console.press("Set the interval", form)

    # THEN the page reports both updated in one request and lists their new interval
    console.until(lambda: "now poll" in console.text(RESULT))
    assert "2 mailbox(es) now poll every 2 min (1 request sent)" in console.text(RESULT)
    ann = f"input[data-integration='{ROTA}'][data-mailbox='{ANN}'] + [data-interval]"
    console.until(lambda: console.text(ann) == "(every 2 min)")
    console.shot("schedules")

    # AND the API has both at 120 s, polled within 2 minutes; Carol, not ticked, keeps 5 minutes
    assert [_mailbox(console, ROTA, a)["poll_interval_seconds"] for a in (ANN, BOB, CAROL)] == [120, 120, 300]
    status = {m["address"]: m for m in console.api("GET", f"/integrations/{ROTA}/status").json()["mailboxes"]}
    assert datetime.fromisoformat(status[ANN]["next_poll_at"]) <= before + timedelta(seconds=125)


def test_more_than_a_hundred_mailboxes_go_out_in_several_requests(
    desks: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN 130 mailboxes of one integration, all ticked with its "every mailbox" box
    console.sign_in("ops")
    console.open("#/schedules")
    form = console.until(lambda: console.css("form[aria-label='Set a poll interval']"))
    _tick(console, f"input[data-group='{DESKS}']")

    # THEN the page says it will send them in two requests (the API takes 100 at most)
    assert "130 mailboxes chosen: sent as 2 requests of up to 100" in console.text("#schedule-count")

    # WHEN one hour is set
    interval = console.field("Poll every", form)
    interval.clear()
    interval.send_keys("1")
    Select(console.field("Unit", form)).select_by_visible_text("hours")
    console.press("Set the interval", form)

    # THEN all 130 are reported updated, in two requests, and the API agrees at both ends
    console.until(lambda: "now poll" in console.text(RESULT))
    assert "130 mailbox(es) now poll every 1 h (2 requests sent)" in console.text(RESULT)
    for address in (DESK_ADDRESSES[0], DESK_ADDRESSES[99], DESK_ADDRESSES[100], DESK_ADDRESSES[-1]):
        assert _mailbox(console, DESKS, address)["poll_interval_seconds"] == 3600
