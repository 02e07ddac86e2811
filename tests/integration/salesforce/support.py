"""Shared set-up for the Salesforce tests: a realistic org on the emulator, a connected app, and
sources opened the way the poller opens them (fixtures: conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.models import Integration, Mailbox, SourceKind
from commsync.ports import Change, FolderRef
from commsync.sources.salesforce import SalesforceSource
from commsync.sources.salesforce.describe_cache import DescribeCache
from commsync.sources.salesforce.session_cache import SessionCache
from emulators.salesforce import SalesforceEmulator

CONSUMER_KEY = "3MVG9A2kN3Bn17hsWsLDatR7pBGvGDxQpw.commsync"
CONSUMER_SECRET = "9F3B6C1E27D84A5F0C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F"  # test credential
USER, PASSWORD = "integration@acme.example", "Acme-Sync-2024!"  # test credential
SECRET_NAME = "acme-salesforce"
T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def seed_org(emu: SalesforceEmulator, cases: int = 3) -> dict[str, list[str]]:
    """Cases from the web form, each with the customer's email and the agent's reply."""
    ids: dict[str, list[str]] = {"Case": [], "EmailMessage": []}
    for n in range(cases):
        at = T0 + timedelta(minutes=10 * n)
        case = emu.put(
            "Case",
            {
                "Subject": f"Invoice INV-{2400 + n} charged twice",
                "Description": f"Our card was charged twice for invoice INV-{2400 + n}.\nPlease refund one.",
                "Status": "New",
                "Priority": "High" if n % 2 else "Medium",
                "Origin": "Email",
                "SuppliedEmail": f"buyer{n}@contoso.example",
                "SuppliedName": f"Buyer {n}",
            },
            at=at,
        )
        ids["Case"].append(case)
        ids["EmailMessage"].append(
            emu.put(
                "EmailMessage",
                customer_email(case, n, at - timedelta(minutes=1)),
                at=at + timedelta(seconds=5),
            )
        )
        ids["EmailMessage"].append(
            emu.put(
                "EmailMessage", agent_reply(case, n, at + timedelta(minutes=5)), at=at + timedelta(minutes=5)
            )
        )
    return ids


def customer_email(case: str, n: int, sent: datetime) -> dict[str, Any]:
    return {
        "ParentId": case,
        "FromAddress": f"buyer{n}@contoso.example",
        "FromName": f"Buyer {n}",
        "ToAddress": "support@acme.example",
        "CcAddress": "finance@contoso.example; audit@contoso.example",
        "Subject": f"Invoice INV-{2400 + n} charged twice",
        "TextBody": f"Hello,\n\nour card was charged twice for INV-{2400 + n}.\n\nRegards,\nBuyer {n}\n",
        "HtmlBody": f"<p>Hello,</p><p>our card was charged twice for INV-{2400 + n}.</p>",
        "MessageDate": sent.isoformat(),
        "MessageIdentifier": f"<CAF{n}x9Q@mail.contoso.example>",
        "Headers": f"Message-ID: <CAF{n}x9Q@mail.contoso.example>\nReceived: from mx.contoso.example\n",
        "Incoming": True,
        "Status": "Read",
    }


def agent_reply(case: str, n: int, sent: datetime) -> dict[str, Any]:
    return {
        "ParentId": case,
        "FromAddress": "support@acme.example",
        "FromName": "Acme Support",
        "ToAddress": f"buyer{n}@contoso.example",
        "Subject": f"RE: Invoice INV-{2400 + n} charged twice",
        "HtmlBody": (
            f"<p>Dear Buyer {n},</p><p>we refunded the second charge.</p><p>Kind regards,<br>Acme Support</p>"
            f"<blockquote>our card was charged twice for INV-{2400 + n}.</blockquote>"
        ),
        "MessageDate": sent.isoformat(),
        "Incoming": False,
        "Status": "Sent",
    }


def prepare(emu: SalesforceEmulator, callback_urls: list[str] | None = None, **app: Any) -> None:
    emu.add_user(USER, PASSWORD)
    emu.add_app(CONSUMER_KEY, CONSUMER_SECRET, callback_urls or [], **app)


def integration(emu: SalesforceEmulator, options: dict[str, str | int | bool]) -> Integration:
    assert emu.url is not None
    return Integration(
        project="acme",
        name="crm",
        kind=SourceKind.SALESFORCE,
        endpoint=emu.url,
        bucket="acme-cases",
        secret=SECRET_NAME,
        options={"client_id": CONSUMER_KEY, "login_url": emu.url, "allow_insecure_loopback": True, **options},
    )


def connected_secrets(emu: SalesforceEmulator, tmp_path: Path) -> FileSecrets:
    """The secret as the OAuth callback leaves it: consumer secret plus the user's refresh token."""
    secrets = FileSecrets(tmp_path / "secrets.toml", {})
    refresh = emu.refresh_token_for(USER, CONSUMER_KEY)
    secrets.put(SECRET_NAME, {"client_secret": CONSUMER_SECRET, "refresh_token": refresh})
    return secrets


@dataclass
class Synced:
    changes: list[Change]
    token: str | None
    pages: int


def open_source(
    emu: SalesforceEmulator,
    secrets: FileSecrets,
    address: str,
    clock: Callable[[], datetime] | None = None,
    start_time: datetime | None = None,
    caches: Caches | None = None,
    **options: Any,
) -> SalesforceSource:
    """Opened as the poller opens it; with the process-wide caches unless `caches` are given."""
    mailbox = Mailbox(integration="acme/crm", address=address, start_time=start_time)
    kwargs: dict[str, Any] = {"clock": clock} if clock else {}
    if caches is not None:
        kwargs |= {"sessions": caches.sessions, "describes": caches.describes}
    return SalesforceSource.open(integration(emu, options), mailbox, secrets, lambda: 30.0, **kwargs)


@dataclass
class Caches:
    """A process's session and describe caches, on a clock the test moves (seconds)."""

    now: float = 1_000.0
    sessions: SessionCache = field(init=False)
    describes: DescribeCache = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = SessionCache(lambda: self.now)
        self.describes = DescribeCache(lambda: self.now)


def sync(
    source: SalesforceSource, token: str | None, page_size: int = 200, max_pages: int | None = None
) -> Synced:
    """Take pages as the poller does, storing each page's token; stop early after `max_pages`."""
    (folder,) = source.folders(None).folders
    changes: list[Change] = []
    pages = 0
    for page in _pages(source, folder, token, page_size):
        changes.extend(page.changes)
        token, pages = page.token, pages + 1
        if max_pages is not None and pages >= max_pages:
            break
    return Synced(changes, token, pages)


def _pages(source: SalesforceSource, folder: FolderRef, token: str | None, page_size: int) -> Iterator[Any]:
    yield from source.changes(folder, token, page_size)
