"""Issue 18, class 5: the id of an email without a Message-ID comes from what the comment shows,
the same whichever path built the comment (raw MIME, or a large EWS / Graph item's stand-in)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from exchangelib import EWSDateTime, EWSTimeZone, HTMLBody, Mailbox
from exchangelib import Message as EwsMessage

from commsync.cleaning.build import Origin, clean
from commsync.sources.ews.large_items import stand_in_message as ews_stand_in
from commsync.sources.graph.large import stand_in_message as graph_stand_in

ORIGIN = Origin(
    integration="acme/exports", kind="eml", bucket="b", mailbox="ann@acme.example", folder="Inbox"
)
NOW = datetime(2024, 6, 1, tzinfo=UTC)
SUBJECT = "Lieferschein März"
PLAIN = (
    "Hi Ann,\n\nthe scan of the delivery note is attached. Page 2 has the signature.\n\n"
    "Best regards,\nBob Stone\nContoso Ltd. | +49 30 1234 567\n"
)
HTML = (
    "<html><body><p>Hi Ann,</p><p>the scan of the <b>delivery note</b> is attached. Page 2 has the"
    " signature.</p><p>Best regards,<br>Bob Stone<br>Contoso Ltd. | +49 30 1234 567</p></body></html>"
)


def _id(raw: bytes) -> str:
    return clean(raw, ORIGIN, NOW).comment.id


def test_given_headerless_one_paragraph_emails_then_each_gets_its_own_id() -> None:
    ids = {_id(b"Please call me back about the invoice."), _id(b"The truck arrives at nine.")}

    assert len(ids) == 2
    assert all(bytes.fromhex(i).decode().endswith("@no-message-id.commsync>") for i in ids)


def test_given_the_same_headerless_email_twice_then_the_id_is_stable() -> None:
    assert _id(b"The truck arrives at nine.") == _id(b"The truck arrives at nine.\r\n")


def test_given_no_message_id_then_the_mime_and_both_large_item_paths_give_one_id() -> None:
    mime = EmailMessage()
    mime["From"] = "Bob Stone <Bob@Contoso.example>"
    mime["To"] = "ann@acme.example"
    mime["Subject"] = SUBJECT
    mime["Date"] = "Tue, 05 Mar 2024 10:00:00 +0100"
    mime.set_content(PLAIN)
    mime.add_alternative(HTML, subtype="html")
    item = EwsMessage(
        subject=SUBJECT,
        author=Mailbox(name="Bob Stone", email_address="bob@contoso.example"),
        to_recipients=[Mailbox(email_address="ann@acme.example")],
        datetime_sent=EWSDateTime(2024, 3, 5, 9, 0, 0, tzinfo=EWSTimeZone("UTC")),
        body=HTMLBody(HTML),
    )
    graph = {
        "subject": SUBJECT,
        "from": {"emailAddress": {"name": "Bob Stone", "address": "bob@contoso.example"}},
        "toRecipients": [{"emailAddress": {"address": "ann@acme.example"}}],
        "sentDateTime": "2024-03-05T09:00:00Z",
        "body": {"contentType": "html", "content": HTML},
    }

    from_mime = _id(mime.as_bytes())

    assert from_mime == _id(ews_stand_in(item, 2)) == _id(graph_stand_in(graph, 2))
    assert from_mime != _id(mime.as_bytes().replace(b"Page 2", b"Page 3"))
