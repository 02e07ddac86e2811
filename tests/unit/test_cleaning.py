"""MIME to comment: decoded headers, text from HTML, attachments, ids, and no exception ever."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from commsync.cleaning.build import Origin, clean
from commsync.cleaning.identity import comment_id_for

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
