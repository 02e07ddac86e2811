"""The mailbox's folder tree through `/mailFolders/delta` (graph/api/mailfolder-delta).

The delta returns only what changed since its deltaLink, so the token we hand the poller
carries the link and the folder map it was computed against (id -> parent id, display name),
compressed, as the EWS source does for SyncFolderHierarchy: an idle poll costs one request.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from typing import Any

from commsync.errors import IntegrationError
from commsync.observability import logger
from commsync.ports import FolderListing, FolderRef
from commsync.sources.graph.client import GraphClient
from commsync.sources.graph.errors import GraphGone, GraphNotFound

_SELECT = "id,displayName,parentFolderId"


@dataclass
class FolderTree:
    link: str | None
    nodes: dict[str, tuple[str, str]]  # folder id -> (parent id, display name)

    @classmethod
    def decode(cls, token: str | None) -> FolderTree:
        if not token:
            return cls(None, {})
        data = json.loads(zlib.decompress(base64.b64decode(token)))
        return cls(data["l"], {k: (v[0], v[1]) for k, v in data["f"].items()})

    def encode(self) -> str:
        blob = json.dumps({"l": self.link, "f": self.nodes}, separators=(",", ":")).encode()
        return base64.b64encode(zlib.compress(blob, 9)).decode("ascii")

    def path_of(self, folder_id: str) -> str:
        """ "Inbox/Projects", as the EWS source names the same folder: the same comment either way."""
        parts: list[str] = []
        seen: set[str] = set()
        current = folder_id
        while current in self.nodes and current not in seen:  # top-level folders' parent is the root
            seen.add(current)
            parent, name = self.nodes[current]
            parts.append(name.replace("/", "\u2215"))  # a "/" in a name must not split the path
            current = parent
        return "/".join(reversed(parts))

    def folders(self) -> list[FolderRef]:
        refs = [FolderRef(id=folder_id, path=self.path_of(folder_id)) for folder_id in self.nodes]
        return sorted(refs, key=lambda ref: ref.path.casefold())

    def apply(self, value: dict[str, Any]) -> None:
        if "@removed" in value:
            self.nodes.pop(str(value["id"]), None)
        else:
            self.nodes[str(value["id"])] = (
                str(value.get("parentFolderId") or ""),
                str(value.get("displayName") or ""),
            )


def list_folders(client: GraphClient, user: str, token: str | None) -> FolderListing:
    tree = FolderTree.decode(token)
    if tree.link and not client.owns(tree.link):
        tree = FolderTree(None, {})  # the integration's endpoint changed: list afresh
    try:
        _synced(client, user, tree)
    except GraphGone:
        if tree.link is None:
            raise IntegrationError("Microsoft Graph refused a fresh folder delta (410)") from None
        logger.warning("folder delta token expired; listing the tree afresh")
        tree = FolderTree(None, {})
        _synced(client, user, tree)
    return FolderListing(folders=tree.folders(), token=tree.encode())


def _synced(client: GraphClient, user: str, tree: FolderTree) -> None:
    url = tree.link or f"{client.root}/users/{user}/mailFolders/delta"
    params = None if tree.link else {"$select": _SELECT}
    while True:
        body = client.get_json(url, params=params)
        for value in body.get("value", []):
            tree.apply(value)
        if "@odata.deltaLink" in body:
            tree.link = str(body["@odata.deltaLink"])
            return
        next_link = body.get("@odata.nextLink")
        if not isinstance(next_link, str) or not client.owns(next_link):
            raise IntegrationError(
                "a folder delta page had neither a nextLink nor a deltaLink of this endpoint"
            )
        url, params = next_link, None


def folder_total(client: GraphClient, user: str, folder_id: str) -> int | None:
    """The folder's `totalItemCount` (graph/api/resources/mailfolder), one small GET asked for
    the start of a backfill only: an idle poll stays one delta request (issue 17). Progress only
    (issue 23): a folder gone meanwhile gives no total, and the delta reports it."""
    try:
        body = client.get_json(
            f"{client.root}/users/{user}/mailFolders/{folder_id}", params={"$select": "totalItemCount"}
        )
    except GraphNotFound:
        return None
    total = body.get("totalItemCount")
    return total if isinstance(total, int) and not isinstance(total, bool) else None
