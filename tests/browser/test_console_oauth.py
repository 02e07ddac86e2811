"""Connecting a Graph integration: the console's Connect, the provider's sign-in page, and back to
the console's notice (issue 12; the OAuth routes of issue 7, against the identity emulator)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.browser.world import ConsoleWorld

pytestmark = pytest.mark.browser

CLIENT_ID = "6a1d5c2e-3b4f-4e8a-9d7c-1f2e3a4b5c6d"
CLIENT_SECRET = "graph~app.Secret-2024"  # test credential
UPN, PASSWORD = "megan@contoso.example", "Blue-Harbour-42"  # test credential


@pytest.fixture(scope="module")
def entra(world: ConsoleWorld) -> ConsoleWorld:
    """An Entra app registered for this API's callback, and a user of its tenant."""
    world.idp.add_app(
        "contoso",
        CLIENT_ID,
        secret=CLIENT_SECRET,
        redirect_uris=[f"{world.url}/external/microsoft/oauth2/callback"],
    )
    world.idp.add_user("contoso", UPN, PASSWORD)
    return world


def test_connect_runs_the_sign_in_and_returns_to_the_console_with_its_notice(
    entra: ConsoleWorld, console: ConsoleWorld
) -> None:
    # GIVEN the app and its user on the identity platform, and an operator in the console
    console.sign_in("ops")

    # WHEN the Graph form is filled in (the app's authority and CA under Advanced) and sent
    console.open("#/new/graph")
    form = console.until(lambda: console.css("form[data-kind='graph']"))
    console.field("Project", form).send_keys("acme")
    console.field("Integration name", form).send_keys("outlook")
    console.field("Bucket (where its comments go)", form).send_keys("acme-outlook")
    console.field("Tenant (name or id)", form).send_keys("contoso")
    console.field("Application (client) id", form).send_keys(CLIENT_ID)
    console.field("Client secret", form).send_keys(CLIENT_SECRET)
    form.find_element(By.TAG_NAME, "summary").click()
    console.field("Authority", form).send_keys(console.idp.authority("").rstrip("/"))
    console.field("CA bundle (path on the server)", form).send_keys(str(console.tls.cert))
    console.press("Create", form)
    console.notice("acme/outlook is created")

    # AND Connect is pressed, and the user signs in on the provider's page
    console.press("Connect")
    console.until(lambda: "Sign in" in console.driver.title)
    console.driver.find_element(By.NAME, "username").send_keys(UPN)
    console.driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    console.driver.find_element(By.CSS_SELECTOR, "button[value='login']").click()

    # THEN the browser is back on the console, which says so and shows the integration
    notice = console.notice("acme/outlook is connected")
    assert "its sign-in is stored" in notice
    assert console.driver.current_url.endswith("/console#/integrations/acme/outlook")
    # AND the refresh token is stored, shown only by its key name, never by value
    console.until(lambda: "refresh_token set" in console.text("[data-page='integration']"))
    assert CLIENT_SECRET not in console.driver.page_source
    console.shot("oauth-connected", full=False)


def test_a_declined_sign_in_comes_back_as_an_error_notice(entra: ConsoleWorld, console: ConsoleWorld) -> None:
    # GIVEN a Graph integration of that app, created through the API
    graph = {
        "project": "acme",
        "name": "shared-inbox",
        "kind": "graph",
        "endpoint": "https://graph.microsoft.com/v1.0",
        "bucket": "acme-outlook",
        "options": {
            "tenant": "contoso",
            "client_id": CLIENT_ID,
            "authority": console.idp.authority("").rstrip("/"),
            "ca_bundle": str(console.tls.cert),
        },
        "secret_values": {"client_secret": CLIENT_SECRET},
    }
    assert console.api("POST", "/integrations", json=graph).status_code == 201
    console.sign_in("ops")
    console.open("#/integrations/acme/shared-inbox")

    # WHEN the user cancels on the provider's page
    console.press("Connect")
    console.until(lambda: "Sign in" in console.driver.title)
    console.driver.find_element(By.CSS_SELECTOR, "button[value='cancel']").click()

    # THEN the console explains the refusal in words
    assert "the sign-in was cancelled or consent was declined" in console.notice(
        "Connecting acme/shared-inbox failed"
    )
