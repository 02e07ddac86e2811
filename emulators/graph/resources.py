"""JSON of Graph resources: message, mailFolder, fileAttachment / itemAttachment.

Each message property is computed only when selected: `$select=id,receivedDateTime` never
parses a body, which keeps a delta over thousands of files cheap. An unknown `$select` name is
the 400 Graph returns for it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from emulators.ews import ids as ews_ids
from emulators.ews.mailbox import Folder, Item
from emulators.ews.mime import Attachment, MimeSource, utc_text
from emulators.graph import conversation, ids
from emulators.graph.errors import GraphError
from emulators.graph.store import GraphMailbox

ODATA_MESSAGE = "#microsoft.graph.message"


@dataclass(frozen=True)
class View:
    """How a request wants ids: `Prefer: IdType="ImmutableId"` or the default REST ids."""

    graph: GraphMailbox
    immutable: bool


def categories(item: Item) -> list[str]:
    # Exchange writes an item's categories into the MIME Keywords header (and reads them back on import).
    value = item.source.header("Keywords") or ""
    return [part.strip() for part in value.split(",") if part.strip()]


def has_attachments(item: Item) -> bool:
    # Graph: "hasAttachments ... doesn't include inline attachments".
    return any(not attachment.is_inline for attachment in item.source.attachments())


def sender_address(item: Item) -> str:
    found = item.source.addresses("From")
    return found[0][1] if found else ""


def _recipient(display: str, address: str) -> dict[str, Any]:
    return {"emailAddress": {"name": display or address, "address": address}}


def _recipients(item: Item, header: str) -> list[dict[str, Any]]:
    return [_recipient(display, address) for display, address in item.source.addresses(header)]


def _from(item: Item) -> dict[str, Any] | None:
    found = item.source.addresses("From")
    return _recipient(*found[0]) if found else None


def _body(item: Item) -> dict[str, str]:
    found = item.source.body("Best")
    if found is None:
        return {"contentType": "text", "content": ""}
    kind, text = found
    return {"contentType": "html" if kind == "HTML" else "text", "content": text}


def _preview(item: Item) -> str:
    found = item.source.body("Text")
    return " ".join((found[1] if found else "").split())[:255]


def _web_link(view: View, item: Item) -> str:
    # Outlook on the web's deep link to the message (message resource: webLink).
    item_id = quote(view.graph.message_id(item, view.immutable), safe="")
    return f"https://outlook.office365.com/owa/?ItemID={item_id}&exvsurl=1&viewmodel=ReadMessageItem"


def _sent(item: Item) -> str | None:
    sent = item.source.sent()
    return utc_text(sent) if sent else None


MESSAGE_FIELDS: dict[str, Callable[[View, Item], Any]] = {
    "id": lambda view, item: view.graph.message_id(item, view.immutable),
    "createdDateTime": lambda view, item: utc_text(item.received),
    "lastModifiedDateTime": lambda view, item: utc_text(item.received),
    "changeKey": lambda view, item: ews_ids.change_key(item.uid, item.version),
    "categories": lambda view, item: categories(item),
    "receivedDateTime": lambda view, item: utc_text(item.received),
    "sentDateTime": lambda view, item: _sent(item),
    "hasAttachments": lambda view, item: has_attachments(item),
    "internetMessageId": lambda view, item: item.source.header("Message-ID"),
    "subject": lambda view, item: item.source.header("Subject") or "",
    "bodyPreview": lambda view, item: _preview(item),
    "importance": lambda view, item: "normal",
    "parentFolderId": lambda view, item: view.graph.folder_id(item.folder),
    "isRead": lambda view, item: item.is_read,
    "isDraft": lambda view, item: False,
    "body": lambda view, item: _body(item),
    "from": lambda view, item: _from(item),
    "sender": lambda view, item: _from(item),
    "toRecipients": lambda view, item: _recipients(item, "To"),
    "ccRecipients": lambda view, item: _recipients(item, "Cc"),
    "bccRecipients": lambda view, item: _recipients(item, "Bcc"),
    "replyTo": lambda view, item: _recipients(item, "Reply-To"),
    "conversationId": lambda view, item: conversation.conversation_id(item),
    "conversationIndex": lambda view, item: base64.b64encode(conversation.conversation_index(item)).decode(),
    "internetMessageHeaders": lambda view, item: conversation.internet_message_headers(item),
    # Documented message properties the mailbox has no data for answer their defaults.
    "uniqueBody": lambda view, item: _body(item),
    "flag": lambda view, item: {"flagStatus": "notFlagged"},
    "inferenceClassification": lambda view, item: "focused",
    "isReadReceiptRequested": lambda view, item: (
        item.source.header("Disposition-Notification-To") is not None
    ),
    "isDeliveryReceiptRequested": lambda view, item: item.source.header("Return-Receipt-To") is not None,
    "webLink": lambda view, item: _web_link(view, item),
}
# Graph returns these only when $select names them, and leaves them out where they are not set.
SELECT_ONLY = frozenset({"internetMessageHeaders"})


def parse_select(value: str | None, known: Collection[str], type_name: str) -> list[str] | None:
    if not value:
        return None
    names = [name.strip() for name in value.split(",") if name.strip()]
    for name in names:
        if name not in known:
            raise GraphError(
                400,
                "RequestBroker--ParseUri",
                f"Could not find a property named '{name}' on type '{type_name}'.",
            )
    return names


def message(view: View, item: Item, select: list[str] | None) -> dict[str, Any]:
    names = select or [name for name in MESSAGE_FIELDS if name not in SELECT_ONLY]
    body: dict[str, Any] = {"@odata.etag": f'W/"{ews_ids.change_key(item.uid, item.version)}"'}
    for name in ["id", *names]:
        value = MESSAGE_FIELDS[name](view, item)
        if value is not None or name not in SELECT_ONLY:
            body[name] = value
    return body


def removed(message_id: str, odata_type: str = ODATA_MESSAGE) -> dict[str, Any]:
    return {"@odata.type": odata_type, "id": message_id, "@removed": {"reason": "deleted"}}


FOLDER_FIELDS = frozenset(
    {
        "id",
        "displayName",
        "parentFolderId",
        "childFolderCount",
        "unreadItemCount",
        "totalItemCount",
        "isHidden",
    }
)


def folder(graph: GraphMailbox, found: Folder, select: list[str] | None = None) -> dict[str, Any]:
    full = _folder(graph, found)
    return full if select is None else {k: v for k, v in full.items() if k == "id" or k in select}


def _folder(graph: GraphMailbox, found: Folder) -> dict[str, Any]:
    parent = found.parent
    return {
        "id": graph.folder_id(found),
        "displayName": found.name,
        "parentFolderId": graph.folder_id(parent) if parent is not None else None,
        "childFolderCount": len(found.live_children()),
        "unreadItemCount": found.unread,
        "totalItemCount": len(found.items),
        "isHidden": False,
    }


ATTACHMENT_FIELDS = {
    *(
        "id",
        "name",
        "contentType",
        "size",
        "isInline",
        "lastModifiedDateTime",
        "contentId",
        "contentLocation",
    ),
}


def attachment(
    graph: GraphMailbox, item: Item, index: int, found: Attachment, select: list[str] | None
) -> dict[str, Any]:
    kind = "itemAttachment" if found.is_item else "fileAttachment"
    full: dict[str, Any] = {
        "@odata.type": f"#microsoft.graph.{kind}",
        "id": ids.encode(ids.ATTACHMENT, graph.address, graph.immutable(item), index),
        "lastModifiedDateTime": utc_text(item.received),
        "name": found.name,
        "contentType": found.content_type,
        "size": found.size,
        "isInline": found.is_inline,
    }
    if not found.is_item:
        full["contentId"] = found.content_id
        full["contentLocation"] = None  # set only for attachments that link to a URL
        if select is None or "contentBytes" in select:
            # base64 inside JSON (x1.33); `.../attachments/{id}/$value` streams the raw bytes instead.
            full["contentBytes"] = base64.b64encode(item.source.attachment_content(index)).decode()
    if select is None:
        return full
    return {k: v for k, v in full.items() if k in ("@odata.type", "id", *select)}


def attached_message(graph: GraphMailbox, item: Item, index: int) -> dict[str, Any]:
    """An itemAttachment's `item` ($expand=microsoft.graph.itemAttachment/item): the attached
    email as a message, without id or folder, since it lives only inside its parent."""
    source = MimeSource(data=item.source.attachment_content(index))
    found = source.addresses("From")
    sender = _recipient(*found[0]) if found else None
    sent = source.sent()
    body = source.body("Best")
    return {
        "@odata.type": ODATA_MESSAGE,
        "id": ids.encode(ids.ATTACHMENT, graph.address, graph.immutable(item), index),
        "subject": source.header("Subject") or "",
        "internetMessageId": source.header("Message-ID"),
        "sentDateTime": utc_text(sent) if sent else None,
        "receivedDateTime": utc_text(sent) if sent else None,
        "hasAttachments": any(not a.is_inline for a in source.attachments()),
        "body": {
            "contentType": "html" if body and body[0] == "HTML" else "text",
            "content": body[1] if body else "",
        },
        "from": sender,
        "sender": sender,
        "toRecipients": [_recipient(*pair) for pair in source.addresses("To")],
        "ccRecipients": [_recipient(*pair) for pair in source.addresses("Cc")],
    }
