"""Realistic test emails built with the standard library, written into an export tree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path


def email_bytes(
    n: int,
    sender: str = "Ann Lee <ann@northwind.example>",
    to: str = "Bob Stone <bob@contoso.example>",
    subject: str | None = None,
    body: str | None = None,
    message_id: str | None = "default",
    sent: datetime | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject or f"Order {1000 + n} status"
    msg["Date"] = format_datetime(sent or datetime(2024, 3, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=n))
    if message_id == "default":
        msg["Message-ID"] = f"<order-{n}@northwind.example>"
    elif message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body or f"Hello Bob,\n\norder {1000 + n} ships tomorrow.\n\nAnn\n")
    if attachment:
        msg.add_attachment(attachment[1], maintype="application", subtype="pdf", filename=attachment[0])
    return msg.as_bytes()


def write_eml(root: Path, mailbox: str, folder: str, name: str, data: bytes) -> Path:
    path = root / mailbox / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
