"""One `commsync serve` with the EWS and identity emulators on loopback, and one headless Chromium.

The console is driven as a user drives it: typing into labelled fields, pressing buttons, reading
what the page says. The API is called directly only to arrange what a test is not about.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from exchangelib.protocol import CachingProtocol
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.alert import Alert
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from commsync.api.local import LocalApi, open_local_api
from commsync.local_config import ApiConfig, LocalConfig
from commsync.models.access import Permission
from emulators.ews import EwsEmulator
from emulators.identity import IdentityEmulator
from emulators.server import EmulatorServer, running
from emulators.tls import TlsFiles, self_signed
from tests.support.api import tokens_for
from tests.support.mail import email_bytes, write_eml

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).parent / "artifacts"
# Flags for a closed network: no background connections, no first-run or sync machinery.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SERVICE_USER, SERVICE_PASSWORD = "CORP\\svc-sync", "Winter-2024-sync!"
ANN, BOB, CAROL = "ann@contoso.example", "bob@contoso.example", "carol@contoso.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REPLY = (
    "Hi Carol,\n\nthe replacement parts for order 2207 left our warehouse this morning; the\n"
    "tracking number is in the attached delivery note.\n\nBest regards,\nAnn Lee\nLogistics, Northwind\n"
    "\nOn Tue, 5 Mar 2024 at 08:12, Carol Diaz <carol@contoso.example> wrote:\n"
    "> Could you tell us when the parts for order 2207 will ship?\n> Thanks, Carol\n"
)
T = TypeVar("T")


@dataclass
class ConsoleWorld:
    local: LocalApi
    driver: WebDriver
    ews: EmulatorServer
    emulator: EwsEmulator
    idp: IdentityEmulator
    tls: TlsFiles
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return self.local.url

    @property
    def ews_endpoint(self) -> str:
        return self.ews.url + "/EWS/Exchange.asmx"

    # --- the browser ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Signed out (the token lives in the tab's sessionStorage), off the console page."""
        self.driver.set_window_size(1280, 1000)
        self.driver.get(f"{self.url}/health")
        self.driver.execute_script("sessionStorage.clear()")

    def open(self, hash_route: str = "#/") -> None:
        self.driver.get(f"{self.url}/console{hash_route}")

    def sign_in(self, who: str = "ops") -> None:
        self.driver.get(f"{self.url}/console")
        # The sign-in form is drawn by the page's script, after the load event on a busy machine.
        self.until(lambda: self.css("input[name='token']"))
        self.field("API token").send_keys(self.tokens[who])
        self.press("Sign in")
        self.until(lambda: self.css("[data-caller]"))

    def until(self, found: Callable[[], T | None], seconds: float = 20.0) -> T:
        result = WebDriverWait(self.driver, seconds, poll_frequency=0.1).until(lambda _: found())
        assert result is not None
        return result

    def css(self, selector: str, within: WebElement | None = None) -> WebElement | None:
        found = (within or self.driver).find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found else None

    def text(self, selector: str) -> str:
        """The visible text of the first match, read in one step (the page redraws while it syncs)."""
        found = self.driver.execute_script(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", selector
        )
        return str(found)

    def all(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def field(self, label: str, within: WebElement | None = None) -> WebElement:
        """The control a <label> with exactly this text names (as a screen reader finds it)."""
        scope = within or self.driver
        labels = [x for x in scope.find_elements(By.TAG_NAME, "label") if x.text.strip() == label]
        assert labels, f"no field labelled {label!r}"
        target = labels[0].get_attribute("for")
        return self.driver.find_element(By.ID, target) if target else labels[0]

    def button(self, text: str, within: WebElement | None = None) -> WebElement:
        scope = within or self.driver
        return self.until(
            lambda: next(
                (b for b in scope.find_elements(By.TAG_NAME, "button") if b.text.strip() == text), None
            )
        )

    def press(self, text: str, within: WebElement | None = None) -> None:
        self.button(text, within).click()

    def error_beside(self, control: WebElement) -> str:
        slot = next(
            i for i in (control.get_attribute("aria-describedby") or "").split() if i.endswith("-error")
        )
        return self.driver.find_element(By.ID, slot).text

    def confirm(self) -> str:
        """Accepts the page's confirm() dialog once it shows, and returns what it asked."""
        alert = self.until(lambda: self._alert())
        question = alert.text
        alert.accept()
        return question

    def _alert(self) -> Alert | None:
        try:
            return self.driver.switch_to.alert
        except NoAlertPresentException:
            return None

    def notice(self, words: str) -> str:
        """The notices shown, once one of them says `words`."""
        return self.until(lambda: self.text("#notices") if words in self.text("#notices") else None)

    def shot(self, name: str, full: bool = True) -> Path:
        """A screenshot of the whole page (the window grows to its height for the moment)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        size = self.driver.get_window_size()
        if full:
            height = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(size["width"], min(int(height) + 140, 4000))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(size["width"], size["height"])
        return path

    # --- the API, for what a test only arranges -----------------------------------------------------

    def api(self, method: str, path: str, who: str = "ops", **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def ews_integration(self, key: str, bucket: str, addresses: list[str], stopped: bool = False) -> None:
        """An EWS integration on the emulator with these mailboxes; `stopped` before any is added,
        so none of them is ever polled."""
        project, name = key.split("/")
        body = {
            "project": project,
            "name": name,
            "kind": "ews",
            "endpoint": self.ews_endpoint,
            "bucket": bucket,
            "options": {"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
            "secret_values": {"username": SERVICE_USER, "password": SERVICE_PASSWORD},
        }
        assert self.api("POST", "/integrations", json=body).status_code == 201
        if stopped:
            assert self.api("POST", f"/integrations/{key}/stop").status_code < 300
        for address in addresses:
            added = self.api("POST", f"/integrations/{key}/mailboxes", json={"address": address})
            assert added.status_code == 201, added.text

    def synced(self, key: str, address: str, created: int, seconds: float = 30.0) -> dict[str, Any]:
        def done() -> dict[str, Any] | None:
            for mailbox in self.api("GET", f"/integrations/{key}/status").json()["mailboxes"]:
                if mailbox["address"] == address and mailbox["counts"]["created"] >= created:
                    return dict(mailbox)
            return None

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if found := done():
                return found
            time.sleep(0.1)
        raise AssertionError(f"{key} {address} did not sync {created} emails in {seconds} s")


def _mail(root: Path) -> Path:
    data = root / "mail"
    for n in range(4):
        write_eml(data, ANN, "Inbox", f"{n}.eml", email_bytes(n))
    write_eml(data, ANN, "Inbox", "4.eml", email_bytes(4, attachment=("invoice-1004.pdf", PDF)))
    for n in range(3):
        write_eml(data, BOB, "Inbox", f"{n}.eml", email_bytes(10 + n, to=f"Bob Stone <{BOB}>"))
    write_eml(
        data,
        CAROL,
        "Inbox/Orders",
        "reply.eml",
        email_bytes(
            20,
            sender="Ann Lee <ann@northwind.example>",
            to=f"Carol Diaz <{CAROL}>",
            subject="Re: Order 2207 parts",
            body=REPLY,
            attachment=("delivery-note-2207.pdf", PDF),
        ),
    )
    write_eml(data, CAROL, "Inbox", "hello.eml", email_bytes(21, to=f"Carol Diaz <{CAROL}>"))
    return data


def spki_sha256(cert: Path) -> str:
    """What Chromium's --ignore-certificate-errors-spki-list takes: trust this one emulator key only."""
    public = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


@contextmanager
def chromium(trusted_cert: Path, profile: Path) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile (pytest's temporary directory removes it)."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--ignore-certificate-errors-spki-list={spki_sha256(trusted_cert)}",
    ]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@contextmanager
def console_world(tmp: Path) -> Iterator[ConsoleWorld]:
    emulator = EwsEmulator.from_directory(_mail(tmp), users={SERVICE_USER: SERVICE_PASSWORD})
    plain, records = tokens_for({"ops": [Permission.MODIFY], "auditor": [Permission.VIEW]})
    # One failed poll disables a mailbox at once, so an injected fault shows without waiting.
    config = LocalConfig(
        store=tmp / "store",
        secrets_file=tmp / "secrets.toml",
        disable_after_failures=1,
        disable_after_minutes=0,
        api=ApiConfig(tokens=records),
    )
    tls = self_signed(tmp / "tls")
    idp = IdentityEmulator()
    browser = chromium(tls.cert, tmp / "chromium-profile")
    with running(emulator.server(port=0)) as ews, idp.serving(tls=tls), browser as driver:
        local = open_local_api(config, port=0)
        local.start(sync=True, tick_seconds=0.2)
        try:
            yield ConsoleWorld(local, driver, ews, emulator, idp, tls, plain)
        finally:
            local.close()
            CachingProtocol.clear_cache()
