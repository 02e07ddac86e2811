"""Health at a glance (issue 23): cards above the fold at 1280x800, next sync and the last polls of
each mailbox, times with their zone, no literal null/undefined on any page, one error for a wrong
URL, and integrations managed by the config file marked so, with their edits refused."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.browser.world import BOB, ConsoleWorld

pytestmark = pytest.mark.browser

KEY = "acme/health"
DOCS = Path(__file__).resolve().parents[2] / "docs"
# What leaks when a missing value is printed instead of left out.
LEAKS = re.compile(r"\b(null|undefined|NaN)\b|\[object Object\]|`")


@pytest.fixture(scope="module")
def health(world: ConsoleWorld) -> ConsoleWorld:
    """Bob's mailbox synced once (arranged through the API)."""
    world.ews_integration(KEY, "acme-health", [BOB])
    world.synced(KEY, BOB, created=3)
    return world


def _desktop(console: ConsoleWorld) -> None:
    """A 1280x800 viewport: the window's size includes its chrome, so grow it by that."""
    console.driver.set_window_size(1280, 800)
    width, height = console.driver.execute_script("return [window.innerWidth, window.innerHeight]")
    console.driver.set_window_size(1280 + 1280 - int(width), 800 + 800 - int(height))
    assert console.driver.execute_script("return [window.innerWidth, window.innerHeight]") == [1280, 800]


def test_the_overview_shows_every_card_above_the_fold_and_the_chart_after(
    health: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN a signed-in operator on a 1280x800 screen
    console.sign_in()
    _desktop(console)
    # WHEN the overview shows
    console.open("#/")
    console.until(lambda: console.css(f'article[data-integration="{KEY}"]'))
    # THEN the integration cards start inside the first screen, and the chart comes after them
    top, chart, height = console.driver.execute_script(
        "const card = document.querySelector('article[data-integration]').getBoundingClientRect();"
        "const chart = document.querySelector('[data-chart]').getBoundingClientRect();"
        "return [card.top, chart.top, window.innerHeight];"
    )
    assert top < height - 200, (top, height)
    assert chart > top
    path = console.shot("overview-1280x800", full=False)
    # The README's picture is this one: COMMSYNC_UPDATE_SCREENSHOTS=1 copies it to docs/console.png
    # (not on every run: the picture's times differ each time, and a test run leaves the tree clean).
    if os.environ.get("COMMSYNC_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS / "console.png")


def test_a_mailbox_shows_its_next_sync_and_its_last_polls_with_zoned_times(
    health: ConsoleWorld, console: ConsoleWorld
) -> None:
    console.sign_in()
    _desktop(console)
    # WHEN the integration's page shows
    console.open(f"#/integrations/{KEY}")
    row = console.until(lambda: console.css(f'tr[data-mailbox="{BOB}"]'))
    # THEN its mailbox table starts on the first screen
    assert console.driver.execute_script("return arguments[0].getBoundingClientRect().top", row) < 700
    # AND the next sync is a time to come, with the moment (zone and ISO) on hover
    next_sync = console.css('td[data-label="Next sync"] time', row)
    assert next_sync is not None
    assert re.fullmatch(r"in \d.*|due now", next_sync.text), next_sync.text
    title = next_sync.get_attribute("title") or ""
    assert re.search(r"\d\d:\d\d (UTC|GMT|[A-Z]{3,4})", title) and re.search(r"T\d\d:\d\d:\d\d\.\d+Z$", title)
    # AND the last polls open to a table: result, counts, duration
    console.until(lambda: console.css(f'summary[data-key="polls-{BOB}"]')).click()
    done = console.until(lambda: console.css('details[data-polls] tr[data-poll="done"]'))
    cells = [c.text for c in done.find_elements("css selector", "td")]
    assert "3 new" in cells[2] and re.fullmatch(r"\d+ (s|min)( \d+ s)?", cells[3]), cells
    # AND the lag and the times stay on one line each
    for label in ("Lag", "Next sync", "Last successful sync"):
        cell = console.css(f'td[data-label="{label}"]', row)
        assert cell is not None and cell.value_of_css_property("white-space") == "nowrap"
    # AND no time on the page is a bare 12-hour clock
    assert not re.search(r"\d{1,2}:\d\d\s?(AM|PM)", console.text("main"))


def test_no_page_shows_a_literal_null_undefined_or_markdown(
    health: ConsoleWorld, console: ConsoleWorld
) -> None:
    # The sign-in page first (it once showed "null" and backticks).
    console.open("#/")
    console.until(lambda: console.css("form.panel"))
    assert not LEAKS.search(console.text("body")), console.text("body")
    console.sign_in()
    pages = [
        ("#/", "[data-integration]"),
        (f"#/integrations/{KEY}", f'tr[data-mailbox="{BOB}"]'),
        ("#/integrations/acme/nothing-here", ".notice.error"),
        ("#/new", "[data-kind]"),
        ("#/new/ews", "form"),
        ("#/new/graph", "form"),
        ("#/new/salesforce", "form"),
        ("#/schedules", "form"),
        ("#/comments", "[data-bucket]"),
        ("#/comments/acme-health", "main li"),
        ("#/comments/acme-health/thread/no-such-thread", "[data-thread]"),
    ]
    for route, ready in pages:
        console.open(route)
        _shown(console, ready)
        text = console.text("body")
        assert not LEAKS.search(text), f"{route}: {LEAKS.search(text)} in {text}"


def _shown(console: ConsoleWorld, selector: str) -> None:
    console.until(lambda: console.css(selector))


def test_a_wrong_integration_url_shows_one_error_and_no_form(
    health: ConsoleWorld, console: ConsoleWorld
) -> None:
    console.sign_in()
    console.open("#/integrations/acme/nothing-here")
    console.until(lambda: console.css(".notice.error"))

    errors = [e.text for e in console.all("main .notice.error")]
    assert len(errors) == 1 and "does not exist" in errors[0], errors
    assert not console.all("main form") and not console.css("[data-notifications] *")


def test_an_integration_from_the_config_file_is_marked_and_its_edits_are_refused(
    health: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN an integration the config file of `commsync serve` defines
    console.ews_integration("acme/filed", "acme-filed", ["dora@contoso.example"], stopped=True)
    console.local.managed["acme/filed"] = "/etc/commsync/commsync.toml"
    try:
        console.sign_in()
        # WHEN its page shows
        console.open("#/integrations/acme/filed")
        note = console.until(lambda: console.css("[data-managed]"))
        # THEN it names the file, and offers no edit the file would undo
        assert "/etc/commsync/commsync.toml" in note.text and "restart" in note.text
        labels = {b.text for b in console.all("main button")}
        assert not labels & {"Edit settings", "Edit…", "Delete", "Remove", "Add a mailbox"}, labels
        assert "Start" in labels
        # AND the API refuses such an edit with the same words
        answer = console.api("DELETE", "/integrations/acme/filed")
        assert answer.status_code == 409 and "/etc/commsync/commsync.toml" in answer.json()["message"]
    finally:
        del console.local.managed["acme/filed"]


def test_a_comment_leads_to_its_whole_thread_oldest_first(
    health: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN the bucket's comments as the API has them, grouped by thread
    feed = console.api("GET", "/buckets/acme-health/comments?limit=50").json()["changes"]
    comments = [console.api("GET", f"/buckets/acme-health/comments/{c['id']}").json() for c in feed]
    first = comments[0]
    same = sorted((c for c in comments if c["thread_id"] == first["thread_id"]), key=lambda c: c["timestamp"])
    console.sign_in()

    # WHEN a comment is opened and its thread link followed
    console.open(f"#/comments/acme-health/{first['id']}")
    console.until(lambda: console.css('a[data-key="thread"]')).click()
    listed = console.until(lambda: console.css(f'ol[data-thread="{first["thread_id"]}"]'))

    # THEN the thread page lists exactly that thread's comments, oldest first, each a link to it
    ids = [li.get_attribute("data-comment") for li in listed.find_elements("css selector", "li")]
    assert ids == [c["id"] for c in same]
    assert console.css(f'a[href="#/comments/acme-health/{first["id"]}"]', listed) is not None
