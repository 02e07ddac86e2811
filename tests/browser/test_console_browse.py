"""Reading comments, view-only callers, keyboard and phone use of the console (issue 12)."""

from __future__ import annotations

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.browser.world import CAROL, PDF, SERVICE_PASSWORD, SERVICE_USER, ConsoleWorld

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def archive(world: ConsoleWorld) -> ConsoleWorld:
    """Carol's mailbox synced into bucket acme-archive (arranged through the API)."""
    integration = {
        "project": "acme",
        "name": "archive",
        "kind": "ews",
        "endpoint": world.ews_endpoint,
        "bucket": "acme-archive",
        "options": {"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
        "secret_values": {"username": SERVICE_USER, "password": SERVICE_PASSWORD},
    }
    assert world.api("POST", "/integrations", json=integration).status_code == 201
    assert (
        world.api("POST", "/integrations/acme/archive/mailboxes", json={"address": CAROL}).status_code == 201
    )
    world.synced("acme/archive", CAROL, created=2)
    return world


def test_a_comment_is_found_and_read_with_its_parts_apart_and_its_attachment(
    archive: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN the synced bucket, WHEN its comments are searched for an order number
    console.sign_in("ops")
    console.open("#/comments")
    console.until(lambda: console.css("a[data-bucket='acme-archive']")).click()
    console.until(lambda: "2 shown of 2 loaded" in console.text("#comment-count"))
    console.field("Search subject, people, text, folder").send_keys("2207")

    # THEN only the matching email is listed, and it opens
    console.until(lambda: "1 shown of 2 loaded" in console.text("#comment-count"))
    console.driver.find_element(By.LINK_TEXT, "Re: Order 2207 parts").click()

    # AND the new text, the signature and the quoted history are shown apart
    body = console.until(lambda: console.text("[data-part='body']"))
    assert "replacement parts for order 2207" in body and "Could you tell us" not in body
    assert "Ann Lee" in console.text("[data-part='signature']")
    console.until(lambda: console.css("section[aria-labelledby='history-title'] summary")).click()
    assert "Could you tell us when the parts" in console.text("[data-part='history']")
    properties = console.text("section[aria-labelledby='properties-title']")
    assert "Folder" in properties and "Inbox/Orders" in properties and CAROL in properties

    # WHEN a download link is asked for, THEN it is a short-lived link to the attachment's bytes
    console.press("Get a download link for delivery-note-2207.pdf")
    link = console.until(lambda: console.css("a[data-attachment='delivery-note-2207.pdf']"))
    href = link.get_attribute("href") or ""
    assert "signature=" in href and requests.get(href, timeout=10).content == PDF
    console.shot("comment")


def test_a_view_only_caller_sees_no_control_that_changes_anything(
    archive: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN a token with the view permission only
    console.sign_in("auditor")
    assert "(view only)" in console.text("#who")

    # WHEN the integration page is open
    console.open("#/integrations/acme/archive")
    console.until(lambda: "Syncing" in console.text("[data-page='integration']"))

    # THEN it shows the state but offers no button that would change it, nor the create page
    labels = {b.text for b in console.driver.find_elements(By.CSS_SELECTOR, "main button")}
    assert labels.isdisjoint({"Stop", "Start", "Re-enable", "Delete", "Edit settings", "Sync now…", "Remove"})
    assert not console.driver.find_element(By.CSS_SELECTOR, "[data-nav='new']").is_displayed()
    console.open("#/new")
    console.until(lambda: "needs the modify permission" in console.text("main"))


def test_the_console_is_used_with_the_keyboard_alone(archive: ConsoleWorld, console: ConsoleWorld) -> None:
    # GIVEN the sign-in page, WHEN the token is typed and Enter pressed (the field has the focus)
    console.open()
    token = console.until(lambda: console.driver.switch_to.active_element)
    assert token.get_attribute("name") == "token"
    token.send_keys(console.tokens["ops"], Keys.ENTER)
    console.until(lambda: console.css("[data-caller]"))

    # THEN the keyboard continues at the overview's heading
    console.until(lambda: console.driver.switch_to.active_element.text == "Overview")

    # AND on a fresh visit Tab first reaches the skip link, which jumps to the page's heading
    console.driver.refresh()
    console.until(lambda: console.css("main h1"))
    console.driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert console.driver.switch_to.active_element.text == "Skip to content"
    console.driver.switch_to.active_element.send_keys(Keys.ENTER)
    assert console.driver.switch_to.active_element.text == "Overview"

    # AND every form control on the create page has a label a screen reader announces
    console.open("#/new/online")
    console.until(lambda: console.css("form[data-kind='online']"))
    unlabelled = console.driver.execute_script(
        "return [...document.querySelectorAll('main input, main select, main textarea')]"
        ".filter(c => !(c.labels && c.labels.length)).map(c => c.name)"
    )
    assert unlabelled == []


def test_the_overview_fits_a_phone_screen(archive: ConsoleWorld, console: ConsoleWorld) -> None:
    # GIVEN a phone-sized window
    console.sign_in("ops")
    console.driver.set_window_size(390, 844)
    # WHEN the overview and an integration page are shown
    for route in ("#/", "#/integrations/acme/archive"):
        console.open(route)
        console.until(lambda: "Syncing" in console.text("main"))
        # THEN nothing is wider than the screen (tables turn into one card per row)
        overflow = console.driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{route} is {overflow}px wider than the phone"
    console.shot("phone-integration")
