"""Local mode with the management API (`commsync serve`) in front of the Salesforce emulator:
the world the end-to-end Salesforce tests drive through HTTP only (fixture `world`: conftest.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from commsync.api.local import LocalApi
from emulators.salesforce import SalesforceEmulator, sign_in
from tests.integration.salesforce.support import CONSUMER_KEY, CONSUMER_SECRET, PASSWORD, USER

BUCKET = "acme-cases"


@dataclass
class World:
    local: LocalApi
    session: requests.Session
    emu: SalesforceEmulator
    store: Path

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(
            method, self.local.url + path, timeout=30, allow_redirects=False, **kwargs
        )

    def comments(self) -> dict[str, dict[str, Any]]:
        folder = self.store / "comments" / BUCKET
        return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def connect(world: World, deletions: str = "keep", **options: str) -> None:
    """What a user does: create the integration and its objects, then sign in at Salesforce."""
    emu = world.emu
    assert emu.url is not None
    crm = {
        "project": "acme",
        "name": "crm",
        "kind": "salesforce",
        "endpoint": emu.url,
        "bucket": BUCKET,
        "options": {
            "client_id": CONSUMER_KEY,
            "login_url": emu.url,
            "allow_insecure_loopback": True,
            "from_fields": "Case.SuppliedEmail",
            "property_fields": "Case.Status, Case.Priority, Case.CaseNumber, EmailMessage.Status",
            **options,
        },
        "secret_values": {"client_secret": CONSUMER_SECRET},
        "deletions": deletions,
    }
    assert world("POST", "/integrations", json=crm).status_code == 201
    for address in ("EmailMessage", "Case"):
        added = world("POST", "/integrations/acme/crm/mailboxes", json={"address": address})
        assert added.status_code == 201, added.text
    location = world("GET", "/integrations/acme/crm/oauth2/authenticate").headers["Location"]
    back = requests.get(
        f"{world.local.url}/external/salesforce/oauth2/callback",
        params=sign_in(location, USER, PASSWORD),
        allow_redirects=False,
        timeout=30,
    )
    assert parse_qs(urlsplit(back.headers["Location"]).query)["oauth"] == ["success"]
