"""MIME to comment: decoded headers, text from HTML, attachments, ids, and no exception ever."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from commsync.cleaning.build import Origin, clean
from commsync.cleaning.identity import comment_id_for
from commsync.cleaning.separate import separate

FIXTURES = Path(__file__).parent.parent / "fixtures" / "eml"
ORIGIN = Origin(
    integration="acme/exports", kind="eml", bucket="b", mailbox="bob@acme.example", folder="Inbox"
)
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def test_given_an_html_only_email_then_the_comment_has_decoded_headers_text_and_attachment() -> None:
    raw = (FIXTURES / "html_only_with_attachment.eml").read_bytes()

    comment = clean(raw, ORIGIN, NOW).comment

    assert comment.id == b"<abc.123@example.com>".hex()
    assert comment.thread_id == b"<root@example.com>".hex()
    message = comment.messages[0]
    assert message.from_ == "Renée Müller <renee.mueller@example.com>"
    assert message.to == ["Bob Stone <bob@acme.example>", "carol@acme.example"]
    assert message.cc == ['"Ops, Team" <ops@acme.example>']
    assert message.subject.text == "Übersicht Q3"
    assert comment.timestamp == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    assert "Hello Bob," in message.body.text and "Grüße" in message.body.text
    assert "first item" in message.body.text and "<li>" not in message.body.text
    assert comment.user_properties == {
        "string:Folder": "Inbox",
        "string:Mailbox": "bob@acme.example",
        "number:Attachments": 1,
        "string:Sender Domain": "example.com",
        "string:Recipient Domains": "acme.example",
    }
    (attachment,) = comment.attachments
    assert (attachment.name, attachment.content_type, attachment.size) == ("report.pdf", "application/pdf", 9)
    assert comment.warnings == []


def test_given_the_comment_when_serialised_then_it_uses_the_design_field_names() -> None:
    raw = (FIXTURES / "html_only_with_attachment.eml").read_bytes()

    doc = clean(raw, ORIGIN, NOW).comment.model_dump(mode="json", by_alias=True)

    assert set(doc) == {
        "id",
        "thread_id",
        "timestamp",
        "messages",
        "user_properties",
        "attachments",
        "source",
        "warnings",
        "created_at",
        "updated_at",
    }
    assert "from" in doc["messages"][0] and doc["timestamp"] == "2024-03-01T09:30:00Z"


def test_given_no_message_id_then_the_id_is_derived_from_content_and_stable() -> None:
    raw = (FIXTURES / "no_message_id.eml").read_bytes()

    first = clean(raw, ORIGIN, NOW).comment
    again = clean(raw, ORIGIN.__class__(**{**ORIGIN.__dict__, "folder": "Archive"}), NOW).comment
    other = clean(raw.replace(b"noon", b"one"), ORIGIN, NOW).comment

    assert first.id == again.id != other.id
    assert any("Message-ID" in w for w in first.warnings)


def test_given_a_malformed_email_then_it_still_becomes_a_comment_with_warnings() -> None:
    raw = (FIXTURES / "malformed.eml").read_bytes()

    comment = clean(raw, ORIGIN, NOW).comment

    assert comment.warnings, "every defect must be reported"
    assert any("Date" in w for w in comment.warnings)
    assert any("charset" in w for w in comment.warnings)
    assert comment.timestamp == NOW


def test_message_id_whitespace_is_removed_but_brackets_kept() -> None:
    assert comment_id_for(" <a@b>\r\n ") == "3c6140623e"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_no_byte_string_makes_cleaning_raise(raw: bytes) -> None:
    comment = clean(raw, ORIGIN, NOW).comment
    assert comment.id and comment.messages


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"From: a@b.c\r\n",
                b"Subject: =?utf-8?b?w5w=?=\r\n",
                b"Content-Type: multipart/mixed; boundary=x\r\n",
                b"--x\r\n",
                b"--x--\r\n",
                b"Content-Transfer-Encoding: base64\r\n",
                b"\r\n",
                b"QUJD\r\n",
                b"<p>hi</p>\r\n",
                b"Content-Type: text/html; charset=bogus\r\n",
                b"Date: Tue, 31 Feb 2024 99:99:99 +9999\r\n",
                b"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.pdf\r\n",
                b"Message-ID: <x@y>\r\n",
            ]
        ),
        max_size=40,
    )
)
def test_no_mime_shaped_input_makes_cleaning_raise(lines: list[bytes]) -> None:
    assert clean(b"".join(lines), ORIGIN, NOW).comment.id


def test_a_single_part_non_text_email_keeps_its_one_part_as_the_attachment() -> None:
    raw = (
        b"From: scanner@northwind.example\r\nTo: ann@northwind.example\r\nSubject: scan\r\n"
        b"Message-ID: <scan-1@northwind.example>\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename=scan.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0xLjQK\r\n"
    )

    comment = clean(raw, ORIGIN, NOW).comment

    assert [(a.name, a.size) for a in comment.attachments] == [("scan.pdf", 9)]
    assert any("no text body" in w for w in comment.warnings)


_CONTENT_TYPES = [
    "text/plain",
    "text/html",
    "text/calendar",
    "application/pdf",
    "application/ms-tnef",
    "application/pkcs7-mime; smime-type=enveloped-data",
    "message/rfc822",
    "image/png",
    "text",
    "multipart/alternative",
]
_CHARSETS = ["utf-8", "iso-8859-1", "iso-2022-jp", "x-bogus", "utf-7", "ks_c_5601-1987", ""]
_ENCODINGS = ["base64", "quoted-printable", "8bit", "7bit", "x-uuencode", "bogus"]
_HEADERS = [
    "Subject: =?utf-8?b?w5w?=",
    "Subject: =?x-bogus?q?=FF?=",
    "From: =?utf-8?q?Ren=C3=A9e?= <renee@example.com>",
    "From: <<<@@@",
    "To: undisclosed-recipients:;",
    "Cc: a@b, , =?utf-8?b?w4k=?= <c@d>",
    "Date: Tue, 31 Feb 2024 99:99:99 +9999",
    "Date: Mon, 04 Mar 2024 10:00:00 -0000",
    "Message-ID: <x@y>",
    "In-Reply-To: garbage",
    "References: <a@b> <c@d",
    "Thread-Index: AdpvN2c7kWlq7gJ5R0yJq8qgP7bOAw==",
    "Thread-Index: !!!",
]


@st.composite
def _mime_tree(draw: st.DrawFn, depth: int = 0) -> bytes:
    """A random MIME entity: headers, nested multiparts, odd charsets and transfer encodings."""
    ctype = draw(st.sampled_from(_CONTENT_TYPES))
    lines = [f"Content-Type: {ctype}"]
    if charset := draw(st.sampled_from(_CHARSETS)):
        lines[0] += f"; charset={charset}"
    if draw(st.booleans()):
        name = draw(st.sampled_from(["a.pdf", "=?utf-8?b?w5wucGRm?=", "ci\xeble.txt", "winmail.dat"]))
        lines.append(
            f'Content-Disposition: {draw(st.sampled_from(["attachment", "inline"]))}; filename="{name}"'
        )
    if draw(st.booleans()):
        lines.append(f"Content-ID: <{draw(st.sampled_from(['logo@x', 'img@y']))}>")
    lines.append(f"Content-Transfer-Encoding: {draw(st.sampled_from(_ENCODINGS))}")
    head = "\r\n".join(lines).encode("latin-1")
    if ctype.startswith("multipart") and depth < 3:
        kids = draw(st.lists(_mime_tree(depth + 1), max_size=3))
        boundary = draw(st.sampled_from([b"b1", b"b2", b""]))
        body = b"".join(b"--" + boundary + b"\r\n" + kid + b"\r\n" for kid in kids) + b"--" + boundary + b"--"
        head = head.replace(b"multipart/alternative", b"multipart/alternative; boundary=" + boundary)
    elif ctype == "message/rfc822" and depth < 3:
        body = draw(_mime_tree(depth + 1))
    else:
        body = draw(
            st.one_of(
                st.binary(max_size=120),
                st.text(max_size=120).map(lambda t: t.encode("utf-8", "surrogatepass")),
                st.sampled_from(
                    [b"<p>hi <img src='cid:logo@x'></p>", b"QUJD\r\n", b"BEGIN:VEVENT\r\nSUMMARY:x"]
                ),
            )
        )
    return head + b"\r\n\r\n" + body


@settings(max_examples=250, deadline=None)
@given(headers=st.lists(st.sampled_from(_HEADERS), max_size=6), tree=_mime_tree())
def test_no_random_mime_tree_makes_cleaning_raise(headers: list[str], tree: bytes) -> None:
    raw = "\r\n".join(headers).encode() + (b"\r\n" if headers else b"") + tree

    comment = clean(raw, ORIGIN, NOW).comment

    assert comment.id and comment.messages
    assert comment.user_properties["number:Attachments"] == len(comment.attachments)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600))
def test_no_text_makes_separation_raise(text: str) -> None:
    separated = separate(text)

    assert separated.signature is None or separated.signature.strip()
    assert len(separated.text) <= len(text.replace("\r\n", "\n"))
