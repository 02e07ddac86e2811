"""Delta queries: `/mailFolders/{id}/messages/delta` per folder and `/mailFolders/delta` for the tree.

A round is one or more pages: each page but the last carries `@odata.nextLink` ($skiptoken),
the last `@odata.deltaLink` ($deltatoken); both tokens hold a position in the folder's change log
(the EWS emulator's `changes.Cursor`, so a page's coalescing and "never tell a client about an
object it never got" rules are the same), the mailbox epoch (kept across restarts:
emulators/ews/persist.py), and the query options of the round's first request ($select,
$filter, changeType, $top), which Graph encodes into its links too. Sealed with an HMAC: a
forged, foreign, or invalidated token is 410 syncStateNotFound, and the client must sync the
folder again (delta-query-overview).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from emulators.ews import changes
from emulators.ews.mailbox import Folder
from emulators.graph.errors import sync_state_not_found
from emulators.graph.odata_filter import compile_delta_filter
from emulators.graph.resources import ODATA_MESSAGE, View, folder, message, removed
from emulators.graph.store import GraphMailbox

ODATA_FOLDER = "#microsoft.graph.mailFolder"
_MAIL_CLASS = "IPF.Note"


@dataclass(frozen=True)
class Round:
    """What a delta token records."""

    folder: int  # 0 for the folder tree
    epoch: int
    cursor: changes.Cursor
    select: str | None = None
    filter: str | None = None
    change_type: str | None = None
    top: int | None = None


class DeltaTokens:
    def __init__(self, key: bytes, generation: bytes) -> None:
        self._key = key
        self._generation = generation.hex()[:16]

    def seal(self, mailbox: str, state: Round) -> str:
        cursor = state.cursor
        payload = {
            "m": mailbox,
            "g": self._generation,
            "f": state.folder,
            "e": state.epoch,
            "c": [cursor.seq, cursor.floor, [list(h) for h in cursor.horizons]],
            "o": [state.select, state.filter, state.change_type, state.top],
        }
        data = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
        return f"{data.rstrip('=')}.{self._mac(data.rstrip('='))}"

    def open(self, token: str, mailbox: GraphMailbox, folder_uid: int) -> Round:
        try:
            data, mac = token.rsplit(".", 1)
            if not hmac.compare_digest(mac, self._mac(data)):
                raise ValueError("not sealed here")
            payload = json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
            seq, floor, horizons = payload["c"]
            select, filter_text, change_type, top = payload["o"]
            state = Round(
                payload["f"],
                payload["e"],
                changes.Cursor(seq, floor, tuple((int(a), int(b)) for a, b in horizons)),
                select,
                filter_text,
                change_type,
                top,
            )
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise sync_state_not_found() from exc
        expected = (mailbox.address, self._generation, folder_uid, mailbox.box.epoch)
        if (payload["m"], payload["g"], state.folder, state.epoch) != expected:
            raise sync_state_not_found()
        return state

    def _mac(self, data: str) -> str:
        return hmac.new(self._key, data.encode(), hashlib.sha256).hexdigest()[:32]


def message_page(
    view: View, found: Folder, state: Round, limit: int
) -> tuple[list[dict[str, Any]], Round, bool]:
    """One page of a folder's message changes; the new state; whether the round is complete."""
    box = view.graph.box
    select = state.select.split(",") if state.select else None
    predicate = compile_delta_filter(state.filter)
    page = changes.page(found.log, state.cursor, limit, box.item_life)
    values: list[dict[str, Any]] = []
    for change in page.changes:
        item = box.items[change.uid]
        if change.kind == changes.DELETE:
            if state.change_type in (None, "deleted"):
                values.append(removed(view.graph.message_id(item, view.immutable), ODATA_MESSAGE))
            continue
        kind = "created" if change.kind == changes.CREATE else "updated"
        if state.change_type not in (None, kind) or (predicate is not None and not predicate(item)):
            continue
        values.append({"@odata.type": ODATA_MESSAGE, **message(view, item, select)})
    after = Round(
        state.folder, state.epoch, page.cursor, state.select, state.filter, state.change_type, state.top
    )
    return values, after, page.includes_last


def folder_page(graph: GraphMailbox, state: Round, limit: int) -> tuple[list[dict[str, Any]], Round, bool]:
    """One page of the folder tree's changes: mail folders under the message folder root."""
    box = graph.box
    top = box.distinguished["msgfolderroot"]
    hidden = {box.distinguished["root"].uid, top.uid}
    page = changes.page(box.hierarchy, state.cursor, limit, box.folder_life)
    values: list[dict[str, Any]] = []
    for change in page.changes:
        found = box.folders[change.uid]
        if found.uid in hidden or not (found.folder_class or "").startswith(_MAIL_CLASS):
            continue
        if not box.is_under(found, top):  # the dumpster (Recoverable Items) is outside the IPM tree
            continue
        if change.kind == changes.DELETE:
            values.append(removed(graph.folder_id(found), ODATA_FOLDER))
        else:
            values.append({"@odata.type": ODATA_FOLDER, **folder(graph, found)})
    after = Round(0, state.epoch, page.cursor)
    return values, after, page.includes_last
