"""t:Folder elements: only the properties the FolderShape asks for, in schema order.

MS-OXWSFOLD BaseFolderType / FolderType order: FolderId, ParentFolderId, FolderClass, DisplayName,
TotalCount, ChildFolderCount, EffectiveRights, DistinguishedFolderId, UnreadCount.
"""

from __future__ import annotations

from emulators.ews import ids
from emulators.ews.field_uris import is_known
from emulators.ews.mailbox import Folder, Mailbox
from emulators.ews.request import Shape
from emulators.ews.soap import EwsError, attr, element

_DEFAULT = frozenset(
    {
        "folder:FolderId",
        "folder:DisplayName",
        "folder:TotalCount",
        "folder:ChildFolderCount",
        "folder:UnreadCount",
    }
)
_ALL = _DEFAULT | {"folder:ParentFolderId", "folder:FolderClass", "folder:EffectiveRights"}
# MS-OXWSFOLD: a folder of another item kind comes as its own element type.
_TAGS = {
    "IPF.Appointment": "t:CalendarFolder",
    "IPF.Contact": "t:ContactsFolder",
    "IPF.Task": "t:TasksFolder",
}
_RIGHTS = "".join(
    f"<t:{right}>true</t:{right}>"
    for right in ("CreateAssociated", "CreateContents", "CreateHierarchy", "Delete", "Modify", "Read")
)


def folder_id(mailbox: Mailbox, folder: Folder, tag: str = "t:FolderId") -> str:
    return (
        f"<{tag} Id={attr(ids.folder_id(mailbox.address, folder.uid))} "
        f"ChangeKey={attr(ids.change_key(folder.uid, folder.version))}/>"
    )


def wanted(shape: Shape) -> frozenset[str]:
    unknown = sorted(uri for uri in shape.fields if not is_known(uri))
    if unknown:
        raise EwsError(
            "ErrorInvalidPropertyRequest", f"The property {unknown[0]} is not valid for this object type."
        )
    base = {"Default": _DEFAULT, "AllProperties": _ALL}.get(shape.base, frozenset())
    return base | shape.fields


def render(mailbox: Mailbox, folder: Folder, fields: frozenset[str]) -> str:
    parts = [folder_id(mailbox, folder)]
    if "folder:ParentFolderId" in fields and folder.parent is not None:
        parts.append(folder_id(mailbox, folder.parent, "t:ParentFolderId"))
    if "folder:FolderClass" in fields and folder.folder_class:
        parts.append(element("t:FolderClass", folder.folder_class))
    if "folder:DisplayName" in fields:
        parts.append(element("t:DisplayName", folder.name))
    if "folder:TotalCount" in fields:
        parts.append(f"<t:TotalCount>{len(folder.items)}</t:TotalCount>")
    if "folder:ChildFolderCount" in fields:
        parts.append(f"<t:ChildFolderCount>{len(folder.live_children())}</t:ChildFolderCount>")
    if "folder:EffectiveRights" in fields:
        parts.append(
            f"<t:EffectiveRights>{_RIGHTS}<t:ViewPrivateItems>true</t:ViewPrivateItems></t:EffectiveRights>"
        )
    if "folder:DistinguishedFolderId" in fields and folder.distinguished:
        parts.append(element("t:DistinguishedFolderId", folder.distinguished))
    if "folder:UnreadCount" in fields:
        parts.append(f"<t:UnreadCount>{folder.unread}</t:UnreadCount>")
    tag = _TAGS.get(folder.folder_class or "", "t:Folder")
    return f"<{tag}>{''.join(parts)}</{tag}>"
