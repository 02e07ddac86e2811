"""An email that carries a scan, an attached email (message/rfc822, itself with a PDF) and, for
Graph, a link: the attachments the large-item paths must list as the MIME path does (issue 19)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from commsync.cleaning.build import Origin, clean

SCAN = b"%PDF-1.7\n" + os.urandom(2_000_000)
FORWARDED_PDF = b"%PDF-1.4 delivery note 4411\n" + os.urandom(4_000)
LINK = "https://contoso.sharepoint.com/sites/logistics/Shared%20Documents/Manifest%204411.xlsx"


def forwarded_email() -> EmailMessage:
    inner = EmailMessage()
    inner["From"] = "Dispatch <dispatch@fabrikam.example>"
    inner["To"] = "Ann Lee <ann@contoso.example>"
    inner["Subject"] = "Lieferschein 4411 — Übergabe am Dienstag"
    inner["Date"] = format_datetime(datetime(2024, 2, 27, 16, 5, tzinfo=UTC))
    inner["Message-ID"] = "<dispatch-4411@fabrikam.example>"
    inner.set_content("Anbei der Lieferschein 4411.\n\nDispatch\n")
    inner.add_attachment(FORWARDED_PDF, maintype="application", subtype="pdf", filename="lieferschein.pdf")
    return inner


def carrier_email() -> bytes:
    msg = EmailMessage()
    msg["From"] = "Carol Diaz <carol@fabrikam.example>"
    msg["To"] = "Ann Lee <ann@contoso.example>"
    msg["Subject"] = "Fwd: delivery 4411 with the scan"
    msg["Date"] = format_datetime(datetime(2024, 3, 1, 9, 30, tzinfo=UTC))
    msg["Message-ID"] = "<fwd-4411@fabrikam.example>"
    msg.set_content("Hi Ann,\n\nthe scan and dispatch's note are attached.\n\nCarol\n")
    msg.add_attachment(SCAN, maintype="application", subtype="pdf", filename="scan.pdf")
    msg.add_attachment(forwarded_email())
    return msg.as_bytes()


def mime_path_attachments(raw: bytes, kind: str) -> tuple[str, list[dict[str, Any]]]:
    """The comment id and the attachment list the MIME path makes of these bytes."""
    origin = Origin(
        integration="contoso/mail",
        kind=kind,
        bucket="contoso-mail",
        mailbox="ann@contoso.example",
        folder="Inbox",
    )
    comment = clean(raw, origin, datetime(2024, 4, 1, tzinfo=UTC)).comment
    return comment.id, [a.model_dump(mode="json") for a in comment.attachments]
