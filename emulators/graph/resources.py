"""JSON of Graph resources: message, mailFolder, fileAttachment / itemAttachment.

Each message property is computed only when selected: `$select=id,receivedDateTime` never
parses a body, which keeps a delta over thousands of files cheap. An unknown `$select` name is
the 400 Graph returns for it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.ews import ids as ews_ids
from emulators.ews.mailbox import Folder, Item
from emulators.ews.mime import Attachment, utc_text
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
}
# Graph returns these only when $select names them, and leaves them out where they are not set.
SELECT_ONLY = frozenset({"internetMessageHeaders"})


def parse_select(value: str | None, known: dict[str, Any] | set[str], type_name: str) -> list[str] | None:
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


def folder(graph: GraphMailbox, found: Folder) -> dict[str, Any]:
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


ATTACHMENT_FIELDS = {"id", "name", "contentType", "size", "isInline", "lastModifiedDateTime", "contentId"}


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
        if select is None or "contentBytes" in select:
            # base64 inside JSON (x1.33); `.../attachments/{id}/$value` streams the raw bytes instead.
            full["contentBytes"] = base64.b64encode(item.source.attachment_content(index)).decode()
    if select is None:
        return full
    return {k: v for k, v in full.items() if k in ("@odata.type", "id", *select)}
