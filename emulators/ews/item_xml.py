"""t:Message elements: ItemId plus exactly the properties the ItemShape asks for, in schema order.

Order follows MS-OXWSCORE ItemType then MS-OXWSMSG MessageType (as exchangelib's Message.FIELDS
does). Properties the emulator does not model are left out, as Exchange leaves out unset ones.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from emulators.ews import ids
from emulators.ews.field_uris import is_known
from emulators.ews.mailbox import Item
from emulators.ews.mime import MimeSource, utc_text
from emulators.ews.request import Shape
from emulators.ews.soap import EwsError, attr, boolean, element, text

Render = Callable[[Item, str, Shape], str]


def _item_id(item: Item, mailbox: str, shape: Shape) -> str:
    return (
        f"<t:ItemId Id={attr(ids.item_id(mailbox, item.folder.uid, item.uid))} "
        f"ChangeKey={attr(ids.change_key(item.uid, item.version))}/>"
    )


def _mime(item: Item, mailbox: str, shape: Shape) -> str:
    return mime_content(item.source)


def mime_content(source: MimeSource) -> str:
    # MS-OXWSCORE MimeContentType: base64 of the RFC 5322 bytes, CharacterSet names the text encoding.
    return f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(source.data()).decode()}</t:MimeContent>'


def _parent(item: Item, mailbox: str, shape: Shape) -> str:
    return (
        f"<t:ParentFolderId Id={attr(ids.folder_id(mailbox, item.folder.uid))} "
        f"ChangeKey={attr(ids.change_key(item.folder.uid, item.folder.version))}/>"
    )


def _header(tag: str, name: str) -> Render:
    return lambda item, mailbox, shape: element(tag, item.source.header(name))


def _fixed(tag: str, value: str) -> Render:
    return lambda item, mailbox, shape: f"<{tag}>{value}</{tag}>"


def _body(item: Item, mailbox: str, shape: Shape) -> str:
    body = item.source.body(shape.body_type)
    if body is None:
        return ""
    kind, content = body
    return f'<t:Body BodyType="{kind}" IsTruncated="false">{text(content)}</t:Body>'


def _attachments(item: Item, mailbox: str, shape: Shape) -> str:
    listed = [attachment_xml(item, mailbox, index) for index in range(len(item.source.attachments()))]
    return f"<t:Attachments>{''.join(listed)}</t:Attachments>" if listed else ""


def attachment_xml(item: Item, mailbox: str, index: int, content: str = "") -> str:
    """A FileAttachment / ItemAttachment summary (MS-OXWSCORE AttachmentType order); `content` is
    appended for GetAttachment (t:Content, or the attached t:Message)."""
    found = item.source.attachments()[index]
    tag = "t:ItemAttachment" if found.is_item else "t:FileAttachment"
    content_id = element("t:ContentId", found.content_id)
    photo = "" if found.is_item else "<t:IsContactPhoto>false</t:IsContactPhoto>"
    return (
        f"<{tag}><t:AttachmentId Id={attr(ids.attachment_id(mailbox, item.uid, index))}/>"
        f"{element('t:Name', found.name)}{element('t:ContentType', found.content_type)}{content_id}"
        f"<t:Size>{found.size}</t:Size><t:LastModifiedTime>{utc_text(item.received)}</t:LastModifiedTime>"
        f"<t:IsInline>{boolean(found.is_inline)}</t:IsInline>{photo}{content}</{tag}>"
    )


def _mailboxes(tag: str, header: str, single: bool = False) -> Render:
    def render(item: Item, mailbox: str, shape: Shape) -> str:
        found = item.source.addresses(header)[: 1 if single else None]
        if not found:
            return ""
        inner = "".join(
            f"<t:Mailbox>{element('t:Name', name or address)}{element('t:EmailAddress', address)}"
            "<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>OneOff</t:MailboxType></t:Mailbox>"
            for name, address in found
        )
        return f"<{tag}>{inner}</{tag}>"

    return render


def _display(tag: str, header: str) -> Render:
    def render(item: Item, mailbox: str, shape: Shape) -> str:
        return element(tag, "; ".join(name or address for name, address in item.source.addresses(header)))

    return render


def _sent(item: Item, mailbox: str, shape: Shape) -> str:
    return f"<t:DateTimeSent>{utc_text(item.source.sent() or item.received)}</t:DateTimeSent>"


def _has_attachments(item: Item, mailbox: str, shape: Shape) -> str:
    # Outlook's rule: inline images alone do not make an email "have attachments".
    listed = any(not attachment.is_inline for attachment in item.source.attachments())
    return f"<t:HasAttachments>{boolean(listed)}</t:HasAttachments>"


def _received(tag: str) -> Render:
    return lambda item, mailbox, shape: f"<{tag}>{utc_text(item.received)}</{tag}>"


FIELDS: list[tuple[str, Render]] = [
    ("item:MimeContent", _mime),
    ("item:ItemId", _item_id),
    ("item:ParentFolderId", _parent),
    ("item:ItemClass", _fixed("t:ItemClass", "IPM.Note")),
    ("item:Subject", _header("t:Subject", "Subject")),
    ("item:Sensitivity", _fixed("t:Sensitivity", "Normal")),
    ("item:Body", _body),
    ("item:Attachments", _attachments),
    ("item:DateTimeReceived", _received("t:DateTimeReceived")),
    ("item:Size", lambda item, mailbox, shape: f"<t:Size>{item.source.size}</t:Size>"),
    ("item:Importance", _fixed("t:Importance", "Normal")),
    ("item:InReplyTo", _header("t:InReplyTo", "In-Reply-To")),
    ("item:IsSubmitted", _fixed("t:IsSubmitted", "false")),
    ("item:IsDraft", _fixed("t:IsDraft", "false")),
    ("item:IsFromMe", _fixed("t:IsFromMe", "false")),
    ("item:IsResend", _fixed("t:IsResend", "false")),
    (
        "item:IsUnmodified",
        lambda item, mailbox, shape: f"<t:IsUnmodified>{boolean(item.version == 0)}</t:IsUnmodified>",
    ),
    ("item:DateTimeSent", _sent),
    ("item:DateTimeCreated", _received("t:DateTimeCreated")),
    ("item:DisplayCc", _display("t:DisplayCc", "Cc")),
    ("item:DisplayTo", _display("t:DisplayTo", "To")),
    ("item:HasAttachments", _has_attachments),
    ("item:LastModifiedTime", _received("t:LastModifiedTime")),
    ("item:IsAssociated", _fixed("t:IsAssociated", "false")),
    ("message:Sender", _mailboxes("t:Sender", "Sender", single=True)),
    ("message:ToRecipients", _mailboxes("t:ToRecipients", "To")),
    ("message:CcRecipients", _mailboxes("t:CcRecipients", "Cc")),
    ("message:BccRecipients", _mailboxes("t:BccRecipients", "Bcc")),
    ("message:IsReadReceiptRequested", _fixed("t:IsReadReceiptRequested", "false")),
    ("message:IsDeliveryReceiptRequested", _fixed("t:IsDeliveryReceiptRequested", "false")),
    # base64Binary, as the Thread-Index header that Exchange derives from it already is.
    ("message:ConversationIndex", _header("t:ConversationIndex", "Thread-Index")),
    ("message:ConversationTopic", _header("t:ConversationTopic", "Subject")),
    ("message:From", _mailboxes("t:From", "From", single=True)),
    ("message:InternetMessageId", _header("t:InternetMessageId", "Message-ID")),
    ("message:IsRead", lambda item, mailbox, shape: f"<t:IsRead>{boolean(item.is_read)}</t:IsRead>"),
    ("message:References", _header("t:References", "References")),
    ("message:ReplyTo", _mailboxes("t:ReplyTo", "Reply-To")),
]
_ALL = frozenset(uri for uri, _ in FIELDS) - {"item:MimeContent"}
# MS-OXWSCDATA DefaultShapeNamesType "Default": the item's common properties, Body among them.
_DEFAULT = frozenset(
    {"item:ItemId", "item:Subject", "item:Sensitivity", "item:Attachments", "item:Size", "item:DateTimeSent"}
    | {"item:Body"}
    | {
        "item:DateTimeCreated",
        "item:HasAttachments",
        "message:ToRecipients",
        "message:IsReadReceiptRequested",
    }
    | {"message:IsDeliveryReceiptRequested", "message:From", "message:IsRead"}
)
# MS-OXWSSYNC: SyncFolderItems, like FindItem, does not return these; clients use GetItem.
NOT_IN_SYNC = frozenset({"item:MimeContent", "item:Body", "item:Attachments"})


def wanted(shape: Shape, excluded: frozenset[str] = frozenset()) -> frozenset[str]:
    unknown = sorted(uri for uri in shape.fields if not is_known(uri))
    if unknown:
        raise EwsError(
            "ErrorInvalidPropertyRequest", f"The property {unknown[0]} is not valid for this object type."
        )
    base = {"Default": _DEFAULT, "AllProperties": _ALL}.get(shape.base, frozenset())
    fields = base | shape.fields | {"item:ItemId"}
    if shape.include_mime:
        fields |= {"item:MimeContent"}
    return fields - excluded


def render(item: Item, mailbox: str, shape: Shape, fields: frozenset[str]) -> str:
    return f"<t:Message>{''.join(r(item, mailbox, shape) for uri, r in FIELDS if uri in fields)}</t:Message>"
