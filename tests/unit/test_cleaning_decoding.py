"""Issue 18, class 3: one bad byte never garbles a part; 8-bit bytes in encoded words as policy.default."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy

import pytest

from commsync.cleaning.attachments import file_name
from commsync.cleaning.build import Origin, clean
from commsync.cleaning.charsets import decode_bytes
from commsync.cleaning.headers import decode_header, raw_value

ORIGIN = Origin(
    integration="acme/exports", kind="eml", bucket="b", mailbox="ann@acme.example", folder="Inbox"
)
NOW = datetime(2024, 6, 1, tzinfo=UTC)
RUSSIAN = "Добрый день! Отправляю вам отчёт за март, посмотрите, пожалуйста, третью страницу. "


def test_given_utf8_with_one_bad_byte_in_8000_when_decoding_then_it_is_utf8_with_one_replacement() -> None:
    good = (RUSSIAN * 60).encode()
    data = good[:4001] + b"\xff" + good[4001:]

    decoded = decode_bytes(data, "utf-8", "body")

    assert decoded.text.count("\ufffd") == 1
    assert decoded.text.replace("\ufffd", "") == (RUSSIAN * 60)
    assert decoded.warning is not None and "1 byte" in decoded.warning


def test_given_undeclared_mostly_utf8_then_it_is_read_as_utf8() -> None:
    data = (RUSSIAN * 20).encode() + b"\xc3"

    assert decode_bytes(data, None, "body").text.startswith("Добрый день")


@pytest.mark.parametrize(
    ("data", "declared", "text"),
    [
        ("Grüße aus Köln".encode("cp1252"), "utf-8", "Grüße aus Köln"),  # mislabelled: every accent bad
        (b"\x81\x8d", "utf-8", "\x81\x8d"),
    ],
)
def test_given_text_that_is_mostly_invalid_then_the_fallbacks_still_apply(
    data: bytes, declared: str, text: str
) -> None:
    assert decode_bytes(data, declared, "body").text == text


def test_given_a_russian_part_with_a_bad_byte_then_the_comment_reads_russian() -> None:
    body = (RUSSIAN * 80).encode()
    body = body[:3001] + b"\x80" + body[3001:]
    raw = (
        b"From: ivan@example.ru\r\nMessage-ID: <r@example.ru>\r\nSubject: report\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + body
    )

    message = clean(raw, ORIGIN, NOW).comment.messages[0]

    assert message.body.text.startswith("Добрый день!")
    assert message.language == "ru"


@pytest.mark.parametrize(
    "raw",
    [
        b"Subject: =?iso-8859-1?Q?Fr\xf6sche?=\r\n\r\nx",
        b"Subject: =?utf-8?Q?Fr\xc3\xb6sche?= im Teich\r\n\r\nx",
        b"Subject: =?iso-8859-1?Q?Fr=F6sche?= =?iso-8859-1?Q?_und_Kr=F6ten?=\r\n\r\nx",
        b"Subject: Fr\xc3\xb6sche\r\n\r\nx",
    ],
)
def test_given_8bit_bytes_in_an_encoded_word_then_the_subject_is_what_policy_default_reads(
    raw: bytes,
) -> None:
    expected = str(email.message_from_bytes(raw, policy=policy.default)["Subject"])
    message = email.message_from_bytes(raw)

    assert decode_header("Subject", raw_value(message, "Subject")).text == expected
    assert "?" not in expected


def test_given_an_8bit_byte_in_an_encoded_file_name_then_the_name_is_what_policy_default_reads() -> None:
    raw = (
        b"Content-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="=?iso-8859-1?Q?Fr\xf6sche.pdf?="\r\n\r\nx'
    )
    expected = email.message_from_bytes(raw, policy=policy.default).get_filename()

    assert file_name(email.message_from_bytes(raw), []) == expected == "Frösche.pdf"
