"""The Salesforce form against the API's own checks of its options (issue 12)."""

from __future__ import annotations

import pytest

from tests.browser.world import ConsoleWorld

pytestmark = pytest.mark.browser


def test_the_salesforce_form_shows_the_apis_field_error_and_then_offers_authenticate(
    console: ConsoleWorld,
) -> None:
    # GIVEN the Salesforce form with a subject field that is not Object.Field
    console.sign_in("ops")
    console.open("#/new/salesforce")
    form = console.until(lambda: console.css("form[data-kind='salesforce']"))
    console.field("Project", form).send_keys("acme")
    console.field("Integration name", form).send_keys("crm")
    console.field("Bucket (where its comments go)", form).send_keys("acme-cases")
    console.field("Instance URL", form).send_keys("https://acme.my.salesforce.com")
    console.field("Consumer key", form).send_keys("3MVG9consumer")
    console.field("Consumer secret", form).send_keys("sf-consumer-secret")
    console.field("Objects (API names, one per line)", form).send_keys("EmailMessage\nCase")
    subject = console.field("Subject field (one per object)", form)
    subject.send_keys("Subject")

    # WHEN it is sent, THEN the API's reason shows beside that field, and nothing was created
    console.press("Create", form)
    assert "is not Object.Field" in console.until(lambda: console.error_beside(subject))
    assert console.api("GET", "/integrations/acme/crm").status_code == 404

    # WHEN the field is named as Object.Field, THEN the integration exists with its two objects
    subject.clear()
    subject.send_keys("Case.Subject")
    console.press("Create", form)
    console.notice("acme/crm is created with 2 mailbox(es)")
    # AND its page offers Authenticate (the Salesforce sign-in), and the secret only by name
    console.button("Authenticate")
    page = console.until(lambda: console.text("[data-page='integration']") or None)
    assert "client_secret set" in page and "sf-consumer-secret" not in console.driver.page_source
    # (addresses are stored lower-cased; Salesforce API names are case-insensitive)
    assert {"emailmessage", "case"} == {m["address"] for m in _objects(console)}


def _objects(console: ConsoleWorld) -> list[dict[str, str]]:
    found: list[dict[str, str]] = console.api("GET", "/integrations/acme/crm/mailboxes").json()
    return found
