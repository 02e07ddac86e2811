"""Issue 18, class 4: broken MIME that real mailers send is recovered, nothing raw in the body."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime

import pytest

from bench.robustness import KINDS, generate, problems
from commsync.cleaning.build import Origin, clean

ORIGIN = Origin(
    integration="acme/exports", kind="eml", bucket="b", mailbox="ann@acme.example", folder="Inbox"
)
NOW = datetime(2024, 6, 1, tzinfo=UTC)
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8
BOUNDARY = "----=_NextPart_000_0001_01C3A1B2.C3D4E5F6"


def _multipart(declared: str, closing: str, epilogue: str = "") -> bytes:
    encoded = base64.encodebytes(PDF).decode().replace("\n", "\r\n")
    return (
        "From: bob@contoso.example\r\nMessage-ID: <m@contoso.example>\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: multipart/mixed;\r\n\t{declared}\r\n\r\n"
        "This is a multi-part message in MIME format.\r\n\r\n"
        f"--{BOUNDARY}\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nThe invoice is attached.\r\n\r\n"
        f'--{BOUNDARY}\r\nContent-Type: application/pdf; name="invoice.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="invoice.pdf"\r\n\r\n{encoded}{closing}\r\n{epilogue}'
    ).encode()


@pytest.mark.parametrize(
    ("declared", "closing"),
    [
        (f'boundary="{BOUNDARY[:24]}\r\n\t{BOUNDARY[24:]}"', f"--{BOUNDARY}--"),  # Outlook 2000-2003 fold
        (f'boundary="{BOUNDARY[:20]}"', f"--{BOUNDARY}--"),  # declared boundary not used: read from the body
        (f'boundary="{BOUNDARY}"', f"--{BOUNDARY}----"),  # closing longer than declared
        (f'boundary="{BOUNDARY}"', f"--{BOUNDARY[:-3]}--"),  # closing shorter than declared
    ],
)
def test_given_a_broken_multipart_then_the_text_and_the_attachment_are_recovered(
    declared: str, closing: str
) -> None:
    cleaned = clean(_multipart(declared, closing, "Relay footer: scanned.\r\n"), ORIGIN, NOW)

    assert cleaned.comment.messages[0].body.text == "The invoice is attached."
    assert [(a.name, a.data) for _, a in cleaned.attachments] == [("invoice.pdf", PDF)]


def test_given_an_alternative_reusing_the_outer_boundary_then_the_text_shows_once_and_the_pdf_is_kept() -> (
    None
):
    encoded = base64.encodebytes(PDF).decode().replace("\n", "\r\n")
    alternative = (
        f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nThe invoice is attached.\r\n\r\n"
        f"--{BOUNDARY}\r\nContent-Type: text/html\r\n\r\n<p>The invoice is attached.</p>\r\n\r\n"
        f"--{BOUNDARY}--\r\n\r\n"
    )
    raw = (
        "From: bob@contoso.example\r\nMessage-ID: <m@contoso.example>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{BOUNDARY}"\r\n\r\n'
        f'--{BOUNDARY}\r\nContent-Type: multipart/alternative; boundary="{BOUNDARY}"\r\n\r\n\r\n'
        f"{alternative}--{BOUNDARY}\r\n"
        'Content-Type: application/pdf; name="invoice.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{encoded}\r\n--{BOUNDARY}--\r\n"
    ).encode()

    cleaned = clean(raw, ORIGIN, NOW)

    assert cleaned.comment.messages[0].body.text == "The invoice is attached."
    assert [(a.name, a.data) for _, a in cleaned.attachments] == [("invoice.pdf", PDF)]


def test_given_uuencoded_files_in_the_text_then_they_are_attachments_and_out_of_the_body() -> None:
    lines = "".join(binascii.b2a_uu(PDF[i : i + 45]).decode() for i in range(0, len(PDF), 45))
    body = f"Scan below.\r\n\r\nbegin 644 scan.pdf\r\n{lines.replace(chr(10), chr(13) + chr(10))}`\r\nend\r\n"
    raw = f"From: bob@contoso.example\r\nMessage-ID: <u@contoso.example>\r\n\r\n{body}".encode()

    cleaned = clean(raw, ORIGIN, NOW)

    assert cleaned.comment.messages[0].body.text == "Scan below."
    assert [(a.name, a.content_type, a.data) for _, a in cleaned.attachments] == [
        ("scan.pdf", "application/pdf", PDF)
    ]
    assert any("uuencoded" in w for w in cleaned.comment.warnings)


def test_given_a_begin_line_that_is_prose_then_the_text_is_kept() -> None:
    raw = (
        b"From: bob@contoso.example\r\nMessage-ID: <p@x>\r\n\r\nbegin 644 tomorrow\r\nthen we end\r\nend\r\n"
    )

    assert "begin 644 tomorrow" in clean(raw, ORIGIN, NOW).comment.messages[0].body.text


def test_given_an_outlook_msg_file_then_the_comment_warns_and_holds_no_binary_text() -> None:
    blob = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 600

    cleaned = clean(blob, ORIGIN, NOW)
    other = clean(blob + b"\x01", ORIGIN, NOW)

    assert cleaned.comment.messages[0].body.text == ""
    assert any(".msg" in w for w in cleaned.comment.warnings)
    assert [a.data for _, a in cleaned.attachments] == [blob]
    assert cleaned.comment.id != other.comment.id


@pytest.mark.parametrize("kind", KINDS)
def test_given_generated_broken_emails_then_every_robustness_check_holds(kind: str) -> None:
    cases = [case for case in generate(seed=7, count=60) if case.kind == kind]

    for case in cases:
        cleaned = clean(case.raw, ORIGIN, NOW)
        message = cleaned.comment.messages[0]
        body = "\n".join([message.body.text, message.signature.text if message.signature else ""])
        assert problems(case, body, [a.data for _, a in cleaned.attachments]) == [], case.kind
