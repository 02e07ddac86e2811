"""The rules behind a comment: charsets, headers, body choice, threads, ids, language, attachments."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from commsync.cleaning.body import is_faithful
from commsync.cleaning.build import Origin, attachment_key, clean
from commsync.cleaning.charsets import decode_bytes
from commsync.cleaning.headers import decode_header
from commsync.cleaning.identity import comment_id_for
from commsync.cleaning.language import detect_language
from commsync.cleaning.thread import thread_root
from commsync.cleaning.tnef import attachment_names

ORIGIN = Origin(
    integration="acme/exports", kind="eml", bucket="b", mailbox="ann@acme.example", folder="Inbox"
)
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _email(body: str = "Hello Ann,\n\nthe pallets leave on Tuesday.\n", **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("from_", "Bob Stone <Bob@Contoso.Example>")
    message["To"] = headers.pop("to", "ann@acme.example")
    message["Subject"] = headers.pop("subject", "Pallets")
    message["Date"] = "Tue, 05 Mar 2024 10:00:00 +0100"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


@pytest.mark.parametrize(
    ("data", "declared", "text", "warned"),
    [
        ("Grüße".encode(), "utf-8", "Grüße", False),
        ("Grüße".encode("latin-1"), "iso-8859-1", "Grüße", False),
        ("“quoted”".encode("cp1252"), "iso-8859-1", "“quoted”", False),  # WHATWG: latin-1 label = cp1252
        ("Grüße".encode(), "us-ascii", "Grüße", True),  # wrong label: utf-8 fallback, reported
        ("Grüße".encode(), "x-no-such-charset", "Grüße", True),
        ("Grüße".encode("cp1252"), None, "Grüße", True),
        (b"\x81\x8d", "utf-8", "\x81\x8d", True),  # nothing else fits: latin-1, reported
    ],
)
def test_charset_fallback_order(data: bytes, declared: str | None, text: str, warned: bool) -> None:
    decoded = decode_bytes(data, declared)

    assert decoded.text == text
    assert (decoded.warning is not None) is warned


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("=?utf-8?q?Ren=C3=A9e?= =?utf-8?q?_M=C3=BCller?=", "Renée Müller"),
        ("=?UTF-8?B?w5w=?=\r\n =?UTF-8?B?YmVy?=", "Über"),
        ("=?utf-8?b?8J+T?= =?utf-8?b?pg==?=", "📦"),  # one character split over two words
        ("Re: =?iso-8859-1?q?Gr=FC=DFe?= aus Wien", "Re: Grüße aus Wien"),
        ('"=?utf-8?b?w4lsb2RpZQ==?="', '"Élodie"'),  # inside quotes, as careless clients write
        ("=?utf-8?B?w5xiZXJzaWNodA?=", "Übersicht"),  # padding missing
    ],
)
def test_encoded_words_decode_leniently(raw: str, text: str) -> None:
    assert decode_header("Subject", raw).text == text


def test_a_raw_utf8_subject_decodes_without_warning() -> None:
    raw = "Übersicht".encode().decode("ascii", "surrogateescape")

    decoded = decode_header("Subject", raw)

    assert decoded.text == "Übersicht" and decoded.warnings == []


def test_given_plain_and_html_with_the_same_words_then_plain_is_faithful() -> None:
    html = "Hello Ann, the pallets for Alpenwerk leave on Tuesday morning from ramp 3."
    assert is_faithful("Hello Ann,\nthe pallets for Alpenwerk leave on Tuesday morning\nfrom ramp 3.", html)
    assert not is_faithful("", html)
    assert not is_faithful("View this email in your browser", html)
    assert not is_faithful("Hello Ann.", html)


def test_given_an_html_newsletter_with_a_stub_plain_part_then_the_html_text_is_kept() -> None:
    message = _email("To view this message, open it in a browser that supports HTML.\n")
    message.add_alternative(
        "<p>Spring <b>sale</b>: 20% off all pallets until <i>31 March</i>.</p>", subtype="html"
    )

    body = clean(message.as_bytes(), ORIGIN, NOW).comment.messages[0].body.text

    assert body == "Spring sale: 20% off all pallets until 31 March."


def test_addresses_are_normalised_and_domains_collected() -> None:
    message = _email(
        to="Ann Lee <Ann@ACME.example>, carol@Fabrikam.example", Cc='"Ops, Team" <ops@acme.example>'
    )

    cleaned = clean(message.as_bytes(), ORIGIN, NOW)
    comment = cleaned.comment

    assert comment.messages[0].from_ == "Bob Stone <bob@contoso.example>"
    assert comment.messages[0].to == ["Ann Lee <ann@acme.example>", "carol@fabrikam.example"]
    assert comment.user_properties["string:Sender Domain"] == "contoso.example"
    assert comment.user_properties["string:Recipient Domains"] == "acme.example, fabrikam.example"
    assert cleaned.domains == {"contoso.example", "acme.example", "fabrikam.example"}


@pytest.mark.parametrize(
    ("references", "in_reply_to", "thread_index", "root"),
    [
        (["<root@x>", "<mid@x>"], "<mid@x>", None, "<root@x>"),
        ([], "<parent@x>", bytes(27), "<parent@x>"),
        ([], None, bytes(range(22)) + b"\x01" * 5, f"<{bytes(range(22)).hex()}@thread-index>"),
        ([], None, bytes(range(22)), "<self@x>"),  # 22 bytes: this email starts the conversation
        ([], None, None, "<self@x>"),
    ],
)
def test_thread_root_order(
    references: list[str], in_reply_to: str | None, thread_index: bytes | None, root: str
) -> None:
    assert thread_root("<self@x>", references, in_reply_to, thread_index) == root


def test_given_a_reply_then_its_thread_id_is_the_hex_of_the_root_message_id() -> None:
    message = _email(Message_ID="<r2@x>", In_Reply_To="<r1@x> (Bob's message)", References="<r0@x> <r1@x>")

    comment = clean(message.as_bytes(), ORIGIN, NOW).comment

    assert comment.id == b"<r2@x>".hex()
    assert comment.thread_id == b"<r0@x>".hex()


def test_the_id_keeps_the_message_id_exactly_but_without_surrounding_whitespace() -> None:
    assert comment_id_for(" <Abc.1@Example.COM>\r\n") == b"<Abc.1@Example.COM>".hex()


def test_given_no_message_id_then_transit_headers_do_not_change_the_id_but_the_body_does() -> None:
    raw = _email().as_bytes()

    first = clean(raw, ORIGIN, NOW).comment.id
    relayed = clean(b"Received: from mx.example by relay.example; Tue, 5 Mar 2024\r\n" + raw, ORIGIN, NOW)
    edited = clean(raw.replace(b"Tuesday", b"Monday"), ORIGIN, NOW).comment.id

    assert first == relayed.comment.id != edited
    assert bytes.fromhex(first).decode().endswith("@no-message-id.commsync>")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hallo Anna, danke für die Nachricht. Die Konditionen klingen passend.", "de"),
        ("Bonjour Marc, je vous confirme la réception de la commande.", "fr"),
        ("ご注文の品は本日発送いたしました。", "ja"),
        ("货物已经发出\uff0c预计周五到达。", "zh"),
        ("ok thanks", None),
        ("", None),
    ],
)
def test_language_of_the_new_text(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def test_given_the_same_file_twice_then_it_is_one_content_addressed_attachment_reference() -> None:
    message = _email()
    for name in ("a.pdf", "copy-of-a.pdf"):
        message.add_attachment(b"%PDF-1.4 same bytes", maintype="application", subtype="pdf", filename=name)

    cleaned = clean(message.as_bytes(), ORIGIN, NOW)
    refs = [a.attachment_reference for a in cleaned.comment.attachments]

    digest = hashlib.sha256(b"%PDF-1.4 same bytes").hexdigest()
    assert refs == [digest, digest]
    assert [ref for ref, _ in cleaned.attachments] == [digest]
    assert attachment_key("b", digest) == f"attachments/b/{digest}"
    assert cleaned.comment.user_properties["number:Attachments"] == 2


def test_given_attachment_sync_off_then_attachments_are_listed_without_reference() -> None:
    message = _email()
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="a.pdf")
    origin = Origin(**{**ORIGIN.__dict__, "sync_attachments": False})

    cleaned = clean(message.as_bytes(), origin, NOW)

    assert [a.attachment_reference for a in cleaned.comment.attachments] == [None]
    assert cleaned.attachments == []


def test_tnef_names_stop_safely_on_truncated_or_foreign_data() -> None:
    assert attachment_names(b"not tnef at all") is None
    assert attachment_names(bytes.fromhex("789f3e22") + b"\x01\x00" + b"\x02\x10\x80\x01\x00\xff\xff") == []
