"""GetAttachment (MS-OXWSATT 3.1.4.3): a file attachment with its base64 t:Content, or an item
attachment with the attached message (and its MimeContent when IncludeMimeContent is true).
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET

from emulators.ews import item_xml
from emulators.ews.context import Context
from emulators.ews.mailbox import Item
from emulators.ews.mime import MimeSource
from emulators.ews.request import M, Shape, children, shape
from emulators.ews.soap import EwsError, error, success

NAME = "GetAttachment"
IDS = f"{M}AttachmentIds"
TRAILER = "<m:Attachments/>"
# The attached message's summary; the nested item has no ItemId of its own.
_NESTED = frozenset(
    {"item:ItemClass", "item:Subject", "item:Size", "item:DateTimeSent", "item:HasAttachments"}
    | {
        "message:From",
        "message:ToRecipients",
        "message:CcRecipients",
        "message:InternetMessageId",
        "message:IsRead",
    }
)


def handle(context: Context, body: ET.Element) -> list[str]:
    attachment_shape = shape(body.find(f"{M}AttachmentShape"))
    messages = []
    for id_element in children(body, IDS):
        try:
            mailbox, item, index = context.attachment(id_element)
        except EwsError as failure:
            messages.append(error(NAME, failure, TRAILER))
            continue
        with mailbox.lock:
            content = _content(item, mailbox.address, index, attachment_shape)
            rendered = item_xml.attachment_xml(item, mailbox.address, index, content)
        messages.append(success(NAME, f"<m:Attachments>{rendered}</m:Attachments>"))
    return messages


def _content(item: Item, mailbox: str, index: int, attachment_shape: Shape) -> str:
    data = item.source.attachment_content(index)
    if not item.source.attachments()[index].is_item:
        return f"<t:Content>{base64.b64encode(data).decode()}</t:Content>"
    nested = Item(0, item.folder, MimeSource(data=data), item.received, is_read=True)
    fields = _NESTED | ({"item:MimeContent"} if attachment_shape.include_mime else set())
    return item_xml.render(nested, mailbox, attachment_shape, frozenset(fields))
