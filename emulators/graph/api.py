"""Routing, authorisation, faults and the concurrency limit around the operations.

Both a top-level request and each `$batch` sub-request pass through `GraphApi.handle`; a batch
takes the concurrency slots itself (batch.py), so `hold_slot=False` there.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from emulators.ews.mailbox import Folder
from emulators.graph import operations as op
from emulators.graph import users
from emulators.graph.concurrency import Concurrency
from emulators.graph.delta import DeltaTokens
from emulators.graph.errors import GraphError, access_denied, bad_request, invalid_user
from emulators.graph.exchange import Caller, Reply, Request
from emulators.graph.faults import Faults
from emulators.graph.store import GraphMailbox, GraphStore
from emulators.stats import Stats

# Application and delegated permissions that may read mail (permissions reference: Mail.Read).
READ_PERMISSIONS = frozenset({"Mail.Read", "Mail.ReadWrite"})
_MAILBOX_PATH = re.compile(r"^/(?:users/(?P<user>[^/]+)|(?P<me>me))(?P<rest>/.*)?$", re.IGNORECASE)
_SEGMENT = r"([^/]+)"
_DELTA = r"delta(?:\(\))?"
Route = tuple[re.Pattern[str], str, Callable[..., Reply]]


class GraphApi:
    def __init__(
        self,
        store: GraphStore,
        faults: Faults,
        stats: Stats,
        tokens: DeltaTokens,
        concurrency: Concurrency,
        deny: set[tuple[str, str]],
    ) -> None:
        self.store, self.faults, self.stats = store, faults, stats
        self.tokens, self.concurrency, self.deny = tokens, concurrency, deny
        self._routes = self._table()
        self.refresh: Callable[[], None] = lambda: None  # see the data directory's changes

    def handle(self, request: Request, hold_slot: bool = True) -> Reply:
        self.refresh()
        try:
            if request.path.rstrip("/").lower() == "/users":
                self.stats.count("op:users")
                return users.list_users(request, self.store.addresses())
            graph, rest, prefix = self.mailbox_for(request)
            self.stats.count(f"mailbox:{graph.address}")
            key = self.slot_key(request.caller, graph.address)
            if hold_slot:
                self.concurrency.acquire(key)
            try:
                self._inject(graph.address)
                return self._dispatch(request, graph, rest, prefix)
            finally:
                if hold_slot:
                    self.concurrency.release(key)
        except GraphError as error:
            self.stats.count(f"status:{error.status}")
            return Reply.error(error)

    @staticmethod
    def slot_key(caller: Caller, address: str) -> str:
        return f"{caller.app_id}|{address}"

    def mailbox_for(self, request: Request) -> tuple[GraphMailbox, str, str]:
        """The mailbox a path names, after the caller's right to read it is checked."""
        match = _MAILBOX_PATH.match(request.path)
        if match is None:
            raise bad_request(
                f"Resource not found for the segment '{request.path.strip('/').split('/')[0]}'."
            )
        caller = request.caller
        if match.group("me") and caller.app_only:
            raise bad_request("/me request is only valid with delegated authentication flow.")
        address = (caller.user or "") if match.group("me") else match.group("user")
        graph = self.store.mailbox(address) or self.store.mailbox_by_object_id(address)
        if graph is None:
            raise invalid_user(address)
        if not caller.permissions & (READ_PERMISSIONS | users.DIRECTORY_PERMISSIONS):
            raise access_denied()
        if not caller.permissions & READ_PERMISSIONS and match.group("rest"):
            raise access_denied()  # a directory permission reads the user, not the mail
        if caller.user is not None and caller.user.lower() != graph.address:
            raise access_denied()  # delegated Mail.Read reaches the signed-in user's own mailbox only
        denied = {(who.lower(), mailbox.lower()) for who, mailbox in self.deny}
        if {(caller.app_id.lower(), graph.address), ((caller.user or ""), graph.address)} & denied:
            raise access_denied()  # an application access policy withholds this mailbox
        prefix = request.path[: len(request.path) - len(match.group("rest") or "")]
        return graph, match.group("rest") or "", prefix

    def _inject(self, address: str) -> None:
        injection = self.faults.decide(address)
        if injection is None:
            return
        if injection.delay_seconds:
            time.sleep(injection.delay_seconds)
        if injection.error is not None:
            self.stats.count("faults")
            raise injection.error

    def _dispatch(self, request: Request, graph: GraphMailbox, rest: str, prefix: str) -> Reply:
        if request.method != "GET":
            raise GraphError(405, "ErrorInvalidRequest", "The OData request is not supported.")
        for pattern, name, action in self._routes:
            match = pattern.match(rest)
            if match:
                self.stats.count(f"op:{name}")
                return action(request, graph, prefix + rest, *match.groups())
        raise bad_request(f"Resource not found for the segment '{rest.strip('/').split('/')[-1]}'.")

    def _table(self) -> list[Route]:
        def route(pattern: str, name: str, action: Callable[..., Reply]) -> Route:
            return re.compile(pattern.replace("{}", _SEGMENT) + "$", re.IGNORECASE), name, action

        tokens = self.tokens
        folder, item = op.folder_of, op.item_of
        return [
            route("/?", "user", lambda r, g, p: users.one_user(r, r.caller, g.address)),
            route("/mailFolders", "mailFolders", lambda r, g, p: op.folders(r, g, _top(g), p)),
            # The SDKs call the delta function as `delta()`; Graph accepts it with and without.
            route(
                _DELTA.join(("/mailFolders/", "")),
                "mailFolders.delta",
                lambda r, g, p: op.folder_delta(r, g, p, tokens),
            ),
            route("/mailFolders/{}", "mailFolder", lambda r, g, p, f: op.one_folder(r, g, folder(g, f), p)),
            route(
                "/mailFolders/{}/childFolders",
                "childFolders",
                lambda r, g, p, f: op.folders(r, g, folder(g, f), p),
            ),
            route(
                "/mailFolders/{}/messages",
                "messages",
                lambda r, g, p, f: op.folder_messages(r, g, folder(g, f), p),
            ),
            route(
                "/mailFolders/{}/messages/" + _DELTA,
                "messages.delta",
                lambda r, g, p, f: op.message_delta(r, g, folder(g, f), p, tokens),
            ),
            route("/messages", "messages", lambda r, g, p: op.mailbox_messages(r, g, p)),
            route("/messages/{}", "message", lambda r, g, p, m: op.one_message(r, g, item(g, m), p)),
            route("/messages/{}/\\$value", "message.$value", lambda r, g, p, m: op.mime(r, g, item(g, m))),
            route(
                "/messages/{}/attachments",
                "attachments",
                lambda r, g, p, m: op.attachments(r, g, item(g, m), p),
            ),
            route(
                "/messages/{}/attachments/{}",
                "attachment",
                lambda r, g, p, m, a: op.one_attachment(r, g, item(g, m), a, p),
            ),
            route(
                "/messages/{}/attachments/{}/\\$value",
                "attachment.$value",
                lambda r, g, p, m, a: op.attachment_value(r, g, item(g, m), a),
            ),
        ]


def _top(graph: GraphMailbox) -> Folder:
    return graph.box.distinguished["msgfolderroot"]
