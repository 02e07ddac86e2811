"""An EWS integration created, watched, broken and fixed in the console alone (issue 12)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.world import ANN, BOB, SERVICE_PASSWORD, SERVICE_USER, ConsoleWorld

pytestmark = pytest.mark.browser


def _row(console: ConsoleWorld, address: str) -> str:
    return console.text(f"tr[data-mailbox='{address}']")


def test_an_ews_integration_is_created_through_the_form_syncs_and_is_fixed_after_a_disable(
    console: ConsoleWorld,
) -> None:
    # GIVEN an operator signed in, and Bob's mailbox refusing impersonation on the server
    console.emulator.faults.set(BOB, error="ErrorImpersonateUserDenied")
    console.sign_in("ops")

    # WHEN they fill in the EWS on-premises form, with a project name the API refuses
    console.open("#/new")
    console.until(lambda: console.css("a[data-kind='ews']")).click()
    form = console.until(lambda: console.css("form[data-kind='ews']"))
    project = console.field("Project", form)
    # (the page checks the pattern too; a stale page would not, so the API's answer is what counts)
    console.driver.execute_script("arguments[0].removeAttribute('pattern')", project)
    project.send_keys("ACME")
    console.field("Integration name", form).send_keys("exchange")
    console.field("Bucket (where its comments go)", form).send_keys("acme-mail")
    console.field("EWS URL of the server", form).send_keys(console.ews_endpoint)
    console.field("Service account", form).send_keys(SERVICE_USER)
    console.field("Password", form).send_keys(SERVICE_PASSWORD)
    console.field("Mailboxes (one address per line)", form).send_keys(f"{ANN}\n{BOB}")
    console.press("Create", form)

    # THEN the plain-HTTP endpoint is refused beside its field before anything is sent
    endpoint = console.field("EWS URL of the server", form)
    assert "https://" in console.until(lambda: console.error_beside(endpoint))

    # WHEN the loopback test server is allowed, THEN the API's 422 shows beside the project field
    form.find_element(By.TAG_NAME, "summary").click()
    console.field("Allow plain HTTP to a test server on this machine (127.0.0.1)", form).click()
    console.press("Create", form)
    assert "should match pattern" in console.until(lambda: console.error_beside(project))
    assert project.get_attribute("aria-invalid") == "true" and console.error_beside(endpoint) == ""
    console.shot("create-form-errors")

    # WHEN the project is corrected and the form sent again
    project.clear()
    project.send_keys("acme")
    console.press("Create", form)

    # THEN the integration page shows Ann's mailbox synced to completion, with its counts
    console.notice("acme/exchange is created with 2 mailbox(es)")
    console.until(lambda: "Syncing" in _row(console, ANN) and "5 new" in _row(console, ANN))
    # AND Bob's mailbox disabled with the server's reason and what to do about it
    console.until(lambda: "Disabled" in _row(console, BOB))
    bob = _row(console, BOB)
    assert "may not impersonate this mailbox" in bob and "What to do" in bob
    assert "Only this mailbox is paused" in bob
    console.shot("integration")

    # WHEN the permission is granted on the server and Bob's mailbox re-enabled in the console
    console.emulator.faults.clear(BOB)
    row = console.css(f"tr[data-mailbox='{BOB}']")
    assert row is not None
    console.press("Re-enable", row)
    console.notice(f"{BOB} is re-enabled")
    # AND a sync of its Inbox is asked for at once rather than at the next scheduled poll
    console.until(lambda: "Sync now" in _row(console, BOB))
    console.press("Sync now…", console.css(f"tr[data-mailbox='{BOB}']"))
    sync = console.until(lambda: console.css("form[aria-label^='Sync']"))
    console.field("Only this folder", sync).send_keys("Inbox")
    console.press("Sync now", sync)
    console.notice(f"A sync of {BOB} is queued")

    # THEN it syncs again, and the secret never shows (only its key names do)
    console.until(lambda: "Syncing" in _row(console, BOB) and "3 new" in _row(console, BOB))
    page = console.css("[data-page='integration']")
    assert page is not None and SERVICE_PASSWORD not in console.driver.page_source
    assert "password set" in page.text

    # AND the overview tells the same story at a glance
    console.open("#/")
    card = "article[data-integration='acme/exchange']"
    console.until(lambda: "Syncing" in console.text(card) and "2 of 2 synced" in console.text(card))
    # (the chart's figures are cached for a few seconds, the cards' status is not: wait for both)
    console.until(lambda: console.css("figure.chart svg rect.bar.comments"), seconds=40)
    console.shot("overview")
