"""Shared set-up for the EWS emulator tests: a mail tree, a running emulator, exchangelib accounts.

(Named test_ews_* to stay within the files of this package; it holds no tests itself.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from exchangelib import DELEGATE, NTLM, Account, Build, Configuration, Credentials, Version
from exchangelib.folders import Folder
from exchangelib.protocol import CachingProtocol, FailFast, RetryPolicy
from exchangelib.services import SyncFolderItems

from emulators.ews import EwsEmulator
from emulators.server import running
from emulators.tls import TlsFiles
from tests.support.mail import email_bytes, write_eml

ANN = "ann.lee@northwind.example"
BOB = "bob@contoso.example"
SERVICE, PASSWORD = "EMU\\svc", "S3rvice:Pa55!"  # a colon in the password on purpose
VERSION = Version(build=Build(15, 1, 2507, 6))


def account(
    endpoint: str,
    address: str = ANN,
    access_type: str = DELEGATE,
    credentials: Any = None,
    auth_type: str = NTLM,
    retry_policy: RetryPolicy | None = None,
) -> Account:
    """An exchangelib Account as the EWS source builds one: explicit endpoint and version, no autodiscover."""
    config = Configuration(
        service_endpoint=endpoint,
        credentials=credentials or Credentials(SERVICE, PASSWORD),
        auth_type=auth_type,
        version=VERSION,
        retry_policy=retry_policy or FailFast(),
    )
    return Account(address, access_type=access_type, autodiscover=False, config=config)


@dataclass
class Served:
    emulator: EwsEmulator
    endpoint: str
    data: Path

    def account(self, address: str = ANN, access_type: str = DELEGATE, **options: Any) -> Account:
        return account(self.endpoint, address, access_type, **options)


def write_mailboxes(data: Path, inbox: int = 3) -> None:
    """Ann: `inbox` emails in Inbox, one in Inbox/Projects/2024, one in Sent Items; Bob: one in Inbox."""
    for n in range(inbox):
        write_eml(data, ANN, "Inbox", f"{n:05d}.eml", email_bytes(n))
    write_eml(data, ANN, "Inbox/Projects/2024", "p.eml", email_bytes(500))
    write_eml(data, ANN, "Sent Items", "s.eml", email_bytes(600))
    write_eml(data, BOB, "Inbox", "b.eml", email_bytes(700))


@contextmanager
def serve(data: Path, tls: TlsFiles | None = None, **options: Any) -> Iterator[Served]:
    """An emulator on a fresh port; exchangelib's process-wide Protocol cache is cleared afterwards
    so no session or retry policy leaks into the next test (PROTOCOLS.md 1, pitfall)."""
    options.setdefault("users", {SERVICE: PASSWORD})
    emulator = EwsEmulator.from_directory(data, **options)
    try:
        with running(emulator.server(tls=tls)) as server:
            yield Served(emulator, server.url + "/EWS/Exchange.asmx", data)
    finally:
        CachingProtocol.clear_cache()


def sync_page(
    account: Account, folder: Folder, state: str | None, size: int, fields: tuple[str, ...] = ("message_id",)
) -> tuple[list[tuple[str, Any]], str, bool]:
    """One SyncFolderItems page, driven through exchangelib's service as the EWS source does."""
    service = SyncFolderItems(account=account)
    additional = {f for f in folder.normalize_fields(fields=list(fields)) if not f.field.is_attribute}
    changes = list(
        service.call(
            folder=folder,
            shape="IdOnly",
            additional_fields=additional,
            sync_state=state,
            ignore=None,
            max_changes_returned=size,
            sync_scope=None,
        )
    )
    return changes, service.sync_state, service.includes_last_item_in_range


def email_with_attachments() -> bytes:
    """HTML with an inline image, a PDF and a forwarded email attached (as Outlook sends them)."""
    message = EmailMessage()
    message["From"] = "Ann Lee <ann.lee@northwind.example>"
    message["To"] = "Bob Stone <bob@contoso.example>, Cy <cy@contoso.example>"
    message["Subject"] = "Q3 contract, signed"
    message["Date"] = "Mon, 04 Mar 2024 10:15:00 +0100"
    message["Message-ID"] = "<contract-q3@northwind.example>"
    message.set_content("Hello Bob,\n\nthe signed contract is attached.\n\nAnn\n")
    message.add_alternative('<p>Hello Bob,</p><p><img src="cid:logo@northwind"></p>', subtype="html")
    html = message.get_body(preferencelist=("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(b"\x89PNG\r\n\x1a\nlogo", maintype="image", subtype="png", cid="<logo@northwind>")
    message.add_attachment(b"%PDF-1.7\n" + bytes(range(256)) * 40, maintype="application", subtype="pdf",
                           filename="contract.pdf")  # fmt: skip
    forwarded = EmailMessage()
    forwarded["From"] = "legal@contoso.example"
    forwarded["Subject"] = "Draft terms"
    forwarded["Message-ID"] = "<draft@contoso.example>"
    forwarded.set_content("Draft attached earlier.\n")
    message.add_attachment(forwarded)
    return message.as_bytes()
