"""GetItem (MS-OXWSCORE 3.1.4.4): items by ItemId with the properties asked for; one message per id.

Unknown ids (deleted, or moved: classic ids name the folder) get ErrorItemNotFound per message,
which exchangelib hands back as exception objects rather than raising.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import item_xml
from emulators.ews.context import Context
from emulators.ews.request import M, children, shape
from emulators.ews.soap import EwsError, error, success

NAME = "GetItem"
IDS = f"{M}ItemIds"
TRAILER = "<m:Items/>"


def handle(context: Context, body: ET.Element) -> list[str]:
    item_shape = shape(body.find(f"{M}ItemShape"))
    fields = item_xml.wanted(item_shape)
    messages = []
    for id_element in children(body, IDS):
        try:
            mailbox, item = context.item(id_element)
        except EwsError as failure:
            messages.append(error(NAME, failure, TRAILER))
            continue
        if item.mime_fails and "item:MimeContent" in fields:
            messages.append(error(NAME, EwsError("ErrorMimeContentConversionFailed"), TRAILER))
            continue
        with mailbox.lock:
            rendered = item_xml.render(item, mailbox.address, item_shape, fields)
        messages.append(success(NAME, f"<m:Items>{rendered}</m:Items>"))
    return messages
