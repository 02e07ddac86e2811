"""The integration forms (issue 23): only the chosen sign-in's secret fields, a PEM textarea, options as
fields, the Graph certificate option, and Test connection against the real (emulated) server."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from tests.browser.world import BOB, SERVICE_PASSWORD, SERVICE_USER, ConsoleWorld

pytestmark = pytest.mark.browser

KEY = "acme/forms"
SECRET_LABELS = {
    "Service account",
    "Password",
    "Client secret",
    "Certificate and private key (PEM)",
    "Certificate thumbprint (SHA-1, hex)",
}


@pytest.fixture(scope="module")
def forms(world: ConsoleWorld) -> ConsoleWorld:
    world.ews_integration(KEY, "acme-forms", [BOB], stopped=True)
    return world


def _labels(console: ConsoleWorld, within: WebElement) -> set[str]:
    return {x.text.strip() for x in within.find_elements(By.TAG_NAME, "label") if x.is_displayed()}


def _edit_form(console: ConsoleWorld) -> WebElement:
    console.sign_in()
    console.open(f"#/integrations/{KEY}")
    console.press("Edit settings")
    return console.until(lambda: console.css(f'form[aria-label="Settings of {KEY}"]'))


def _test_result(console: ConsoleWorld, form: WebElement) -> str:
    console.press("Test connection", form)

    def finished() -> str | None:
        result = console.css("[data-test-result]", form)
        done = result is not None and result.get_attribute("data-test-result") in ("ok", "failed")
        return str(result.text) if result is not None and done else None

    return console.until(finished, seconds=40)


def test_the_edit_form_shows_the_ntlm_secrets_only_and_options_as_fields(
    forms: ConsoleWorld, console: ConsoleWorld
) -> None:
    form = _edit_form(console)

    # THEN the secrets are those NTLM reads, and each option is a field of its own
    assert _labels(console, form) & SECRET_LABELS == {"Service account", "Password"}
    assert Select(console.field("Sign-in", form)).first_selected_option.get_attribute("value") == "ntlm"
    assert (
        Select(console.field("Access to the mailboxes", form)).first_selected_option.text == "Impersonation"
    )
    assert console.field("Allow plain HTTP to a test server on this machine (127.0.0.1)", form).is_selected()
    assert not form.find_elements(By.CSS_SELECTOR, "textarea[name='options']")

    # WHEN the sign-in becomes OAuth, THEN the app's credential shows, and a certificate is a textarea
    Select(console.field("Sign-in", form)).select_by_value("oauth")
    assert _labels(console, form) & SECRET_LABELS == {"Client secret"}
    console.until(
        lambda: next(x for x in form.find_elements(By.TAG_NAME, "label") if x.text == "a certificate")
    ).click()
    assert _labels(console, form) & SECRET_LABELS == {
        "Certificate and private key (PEM)",
        "Certificate thumbprint (SHA-1, hex)",
    }
    assert console.field("Certificate and private key (PEM)", form).tag_name == "textarea"


def test_test_connection_says_why_a_wrong_password_fails_and_that_the_stored_one_works(
    forms: ConsoleWorld, console: ConsoleWorld
) -> None:
    form = _edit_form(console)

    # WHEN a wrong password is tried
    console.field("Password", form).send_keys("not-the-password")
    failed = _test_result(console, form)
    # THEN it does not work, in words, and nothing was saved
    assert failed.startswith("Does not work:") and "refused the credentials" in failed, failed
    assert "re-enable" not in failed and "null" not in failed

    # WHEN the password field is emptied (keep the stored one) and tried again, THEN it works
    console.field("Password", form).clear()
    works = _test_result(console, form)
    assert works.startswith("Works: connected:") and BOB in works and "folder" in works, works


def test_options_edited_as_fields_are_saved_with_the_others_kept(
    forms: ConsoleWorld, console: ConsoleWorld
) -> None:
    form = _edit_form(console)

    Select(console.field("Exchange version", form)).select_by_value("2019")
    console.press("Save", form)
    console.notice(f"{KEY} is saved")

    options = console.api("GET", f"/integrations/{KEY}").json()["options"]
    assert options["exchange_version"] == "2019"
    assert options["auth"] == "ntlm" and options["access"] == "impersonation"
    assert options["allow_insecure_loopback"] is True


def test_the_graph_form_offers_a_certificate_and_create_tests_the_connection(
    forms: ConsoleWorld, console: ConsoleWorld
) -> None:
    console.sign_in()
    # GIVEN the Graph create form: a certificate instead of a client secret
    console.open("#/new/graph")
    form = console.until(lambda: console.css("form[data-kind='graph']"))
    assert "Client secret" in _labels(console, form)
    next(x for x in form.find_elements(By.TAG_NAME, "label") if x.text == "a certificate").click()
    assert {"Certificate and private key (PEM)", "Certificate thumbprint (SHA-1, hex)"} <= _labels(
        console, form
    )
    assert "Client secret" not in _labels(console, form)
    assert console.field("Certificate and private key (PEM)", form).tag_name == "textarea"

    # AND the EWS create form's Test connection reaches the server with what was typed
    console.open("#/new/ews")
    form = console.until(lambda: console.css("form[data-kind='ews']"))
    console.field("Project", form).send_keys("acme")
    console.field("Integration name", form).send_keys("trial")
    console.field("Bucket (where its comments go)", form).send_keys("acme-trial")
    console.field("EWS URL of the server", form).send_keys(console.ews_endpoint)
    console.field("Service account", form).send_keys(SERVICE_USER)
    console.field("Password", form).send_keys(SERVICE_PASSWORD)
    console.field("Mailboxes (one address per line)", form).send_keys(BOB)
    form.find_element(By.TAG_NAME, "summary").click()
    console.field("Allow plain HTTP to a test server on this machine (127.0.0.1)", form).click()
    works = _test_result(console, form)
    assert works.startswith("Works: connected:"), works
    # AND testing created nothing
    assert console.api("GET", "/integrations/acme/trial").status_code == 404
