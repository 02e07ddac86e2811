"""FindFolder (MS-OXWSSRCH 3.1.4.3): subfolders, Shallow or Deep, paged by IndexedPageFolderView.

Restrictions are not evaluated (the sync path never sends one); every subfolder matches.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import folder_xml
from emulators.ews.context import Context
from emulators.ews.request import M, children, shape
from emulators.ews.soap import EwsError, boolean, error, success
from emulators.ews.view import page_view

NAME = "FindFolder"
IDS = f"{M}ParentFolderIds"
TRAILER = ""


def handle(context: Context, body: ET.Element) -> list[str]:
    fields = folder_xml.wanted(shape(body.find(f"{M}FolderShape")))
    deep = body.get("Traversal", "Shallow") == "Deep"
    view = page_view(body.find(f"{M}IndexedPageFolderView"))
    messages = []
    for parent_element in children(body, IDS):
        try:
            mailbox, parent = context.folder(parent_element)
        except EwsError as failure:
            messages.append(error(NAME, failure, TRAILER))
            continue
        with mailbox.lock:
            found = list(mailbox.subtree(parent)) if deep else parent.live_children()
            total = len(found)
            start, page = view.slice(found)
            rendered = "".join(folder_xml.render(mailbox, folder, fields) for folder in page)
        last = start + len(page) >= total
        messages.append(
            success(
                NAME,
                f'<m:RootFolder IndexedPagingOffset="{start + len(page)}" TotalItemsInView="{total}" '
                f'IncludesLastItemInRange="{boolean(last)}"><t:Folders>{rendered}</t:Folders></m:RootFolder>',
            )
        )
    return messages
