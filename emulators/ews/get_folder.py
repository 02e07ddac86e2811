"""GetFolder (MS-OXWSFOLD 3.1.4.6): folders by DistinguishedFolderId or FolderId, one message per id.

exchangelib asks for 31 distinguished folders at once when it maps a mailbox; ids this mailbox
lacks get a per-message ErrorFolderNotFound, which exchangelib skips.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import folder_xml
from emulators.ews.context import Context
from emulators.ews.request import M, children, shape
from emulators.ews.soap import EwsError, error, success

NAME = "GetFolder"
IDS = f"{M}FolderIds"
TRAILER = "<m:Folders/>"


def handle(context: Context, body: ET.Element) -> list[str]:
    fields = folder_xml.wanted(shape(body.find(f"{M}FolderShape")))
    messages = []
    for folder_element in children(body, IDS):
        try:
            mailbox, folder = context.folder(folder_element)
        except EwsError as failure:
            messages.append(error(NAME, failure, TRAILER))
            continue
        with mailbox.lock:
            rendered = folder_xml.render(mailbox, folder, fields)
        messages.append(success(NAME, f"<m:Folders>{rendered}</m:Folders>"))
    return messages
