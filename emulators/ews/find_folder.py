"""FindFolder (MS-OXWSSRCH 3.1.4.3): subfolders, Shallow or Deep, paged by IndexedPageFolderView.

Restrictions are not evaluated (the sync path never sends one); every subfolder matches.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import folder_xml
from emulators.ews.context import Context
from emulators.ews.request import M, children, shape
from emulators.ews.soap import EwsError, boolean, error, success

NAME = "FindFolder"
IDS = f"{M}ParentFolderIds"
TRAILER = ""


def handle(context: Context, body: ET.Element) -> list[str]:
    fields = folder_xml.wanted(shape(body.find(f"{M}FolderShape")))
    deep = body.get("Traversal", "Shallow") == "Deep"
    view = body.find(f"{M}IndexedPageFolderView")
    limit = int(view.get("MaxEntriesReturned", "1000")) if view is not None else 1000
    offset = int(view.get("Offset", "0")) if view is not None else 0
    from_end = view is not None and view.get("BasePoint") == "End"
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
            start = max(total - offset - limit, 0) if from_end else offset
            page = found[start : start + limit]
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
