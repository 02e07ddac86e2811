"""The GET operations under `/users/{id|userPrincipalName}` and `/me`, one function each.

Lists page with `$top` (default 10, as Outlook's) and `$skip` in `@odata.nextLink`; messages
lists sort newest first (receivedDateTime desc, Graph's default) unless `$orderby` says
otherwise, and take `$filter`, `$search`, `$count`, `$expand=attachments` (odata.py); folder
lists take `$filter` and `$select`. Every reply names its `@odata.context`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from emulators.ews.changes import Cursor
from emulators.ews.mailbox import Folder, Item
from emulators.graph import conversation, ids, odata, references, resources
from emulators.graph.delta import DeltaTokens, Round, folder_page, message_page
from emulators.graph.errors import bad_request, not_found
from emulators.graph.exchange import Reply, Request
from emulators.graph.odata_filter import compile_delta_filter, compile_filter, compile_folder_filter
from emulators.graph.store import GraphMailbox

DEFAULT_PAGE, MAX_PAGE = 10, 1000
_CHANGE_TYPES = {"created", "updated", "deleted"}


def _page_size(request: Request, default: int = DEFAULT_PAGE) -> int:
    try:
        top = int(request.query.get("$top", "0"))
    except ValueError:
        raise bad_request("Invalid $top value.") from None
    return max(1, min(request.max_page_size or top or default, MAX_PAGE))


def _applied(request: Request) -> list[tuple[str, str]]:
    applied = []
    if request.immutable_ids:
        applied.append('IdType="ImmutableId"')
    if request.max_page_size:
        applied.append(f"odata.maxpagesize={request.max_page_size}")
    return [("Preference-Applied", ", ".join(applied))] if applied else []


def _listing(
    request: Request,
    path: str,
    values: list[Any],
    build: Callable[[Any], Any],
    select: list[str] | None = None,
) -> Reply:
    top = _page_size(request)
    try:
        skip = max(0, int(request.query.get("$skip", "0")))
    except ValueError:
        raise bad_request("Invalid $skip value.") from None
    body: dict[str, Any] = {"@odata.context": odata.context(request, path, select=select)}
    if odata.wants_count(request):
        body["@odata.count"] = len(values)
    body["value"] = [build(v) for v in values[skip : skip + top]]
    if skip + top < len(values):
        query = {**request.query, "$skip": str(skip + top), "$top": str(top)}
        body["@odata.nextLink"] = f"{request.base_url}{quote(path)}?{urlencode(query)}"
    return Reply.json(body, _applied(request))


def folder_of(graph: GraphMailbox, folder_id: str) -> Folder:
    found = graph.folder(folder_id)
    if found is None or not (found.folder_class or "IPF.Note").startswith("IPF.Note"):
        raise not_found()
    return found


def item_of(graph: GraphMailbox, message_id: str) -> Item:
    item = graph.item(message_id)
    if item is None:
        raise not_found()
    return item


_FOLDER_LIST_OPTIONS = frozenset({"$select", "$filter", "$top", "$skip", "$count"})
_ATTACHMENT_LIST_OPTIONS = frozenset({"$select", "$expand", "$top", "$skip", "$count"})
_ITEM_EXPAND = "microsoft.graph.itemAttachment/item"


def folders(request: Request, graph: GraphMailbox, parent: Folder, path: str) -> Reply:
    odata.check_options(request, _FOLDER_LIST_OPTIONS)
    select = resources.parse_select(request.query.get("$select"), resources.FOLDER_FIELDS, "mailFolder")
    children = [f for f in parent.live_children() if (f.folder_class or "").startswith("IPF.Note")]
    if request.query.get("$filter"):
        predicate = compile_folder_filter(request.query["$filter"])
        children = [f for f in children if predicate(f)]
    return _listing(request, path, children, lambda f: resources.folder(graph, f, select), select)


def one_folder(request: Request, graph: GraphMailbox, found: Folder, path: str) -> Reply:
    odata.check_options(request, frozenset({"$select"}))
    select = resources.parse_select(request.query.get("$select"), resources.FOLDER_FIELDS, "mailFolder")
    body = {"@odata.context": odata.context(request, path, entity=True, select=select)}
    return Reply.json({**body, **resources.folder(graph, found, select)})


def _text(item: Item) -> str:
    found = item.source.body("Text")
    return found[1] if found else ""


def _with_attachments(
    graph: GraphMailbox, request: Request, item: Item, body: dict[str, Any]
) -> dict[str, Any]:
    expand = request.query.get("$expand")
    if not expand:
        return body
    if expand.strip() == "attachments":
        listed = item.source.attachments()
        return {
            **body,
            "attachments": [resources.attachment(graph, item, n, a, None) for n, a in enumerate(listed)],
        }
    return conversation.expanded(body, item, expand)


def _messages(request: Request, graph: GraphMailbox, items: list[Item], path: str) -> Reply:
    odata.check_options(request, odata.LIST_OPTIONS)
    view = resources.View(graph, request.immutable_ids)
    select = resources.parse_select(request.query.get("$select"), resources.MESSAGE_FIELDS, "message")
    items = odata.search(request, items, _text)
    if request.query.get("$filter"):
        predicate = compile_filter(request.query["$filter"])
        items = [item for item in items if predicate(item)]
    if "$search" not in request.query:
        items = odata.order(request, items)
    return _listing(
        request,
        path,
        items,
        lambda item: _with_attachments(graph, request, item, resources.message(view, item, select)),
        select,
    )


def folder_messages(request: Request, graph: GraphMailbox, found: Folder, path: str) -> Reply:
    return _messages(request, graph, list(found.items.values()), path)


def mailbox_messages(request: Request, graph: GraphMailbox, path: str) -> Reply:
    root = graph.box.distinguished["msgfolderroot"]
    items = [item for folder in graph.box.subtree(root) for item in folder.items.values()]
    return _messages(request, graph, items, path)


def one_message(request: Request, graph: GraphMailbox, item: Item, path: str) -> Reply:
    odata.check_options(request, odata.ENTITY_OPTIONS)
    select = resources.parse_select(request.query.get("$select"), resources.MESSAGE_FIELDS, "message")
    view = resources.View(graph, request.immutable_ids)
    body = {
        "@odata.context": odata.context(request, path, entity=True, select=select),
        **resources.message(view, item, select),
    }
    # $expand: attachments, or singleValueExtendedProperties (the source's In-Reply-To/References).
    return Reply.json(_with_attachments(graph, request, item, body), _applied(request))


def mime(request: Request, graph: GraphMailbox, item: Item) -> Reply:
    odata.check_options(request, odata.VALUE_OPTIONS)
    # message-get "Get MIME content": the RFC 822 stream of the message.
    return Reply(200, item.source.data(), "text/plain")


def attachments(request: Request, graph: GraphMailbox, item: Item, path: str) -> Reply:
    odata.check_options(request, _ATTACHMENT_LIST_OPTIONS)
    known = {*resources.ATTACHMENT_FIELDS, "contentBytes"}
    select = resources.parse_select(request.query.get("$select"), known, "attachment")
    expand = _item_expand(request)
    listed: list[tuple[int, Any]] = list(enumerate([*item.source.attachments(), *references.of(graph, item)]))
    return _listing(
        request, path, listed, lambda pair: _attachment(graph, item, pair[0], pair[1], select, expand), select
    )


def _item_expand(request: Request) -> bool:
    expand = request.query.get("$expand")
    if expand is not None and expand.strip() != _ITEM_EXPAND:
        raise bad_request(f"Parsing OData Select and Expand failed: could not expand '{expand[:80]}'.")
    return expand is not None


def _attachment(
    graph: GraphMailbox, item: Item, index: int, found: Any, select: list[str] | None, expand: bool
) -> dict[str, Any]:
    if isinstance(found, references.Reference):
        reference: dict[str, Any] = references.resource(graph, item, index, found, select)
        return reference
    body = resources.attachment(graph, item, index, found, select)
    if expand and found.is_item:
        body["item"] = resources.attached_message(graph, item, index)
    return body


def _attachment_index(graph: GraphMailbox, item: Item, attachment_id: str) -> int:
    decoded = ids.decode(attachment_id)
    if (
        decoded is None
        or decoded.kind != ids.ATTACHMENT
        or decoded.first != graph.immutable(item)
        or decoded.second >= len(item.source.attachments()) + len(references.of(graph, item))
    ):
        raise not_found()
    return decoded.second


def one_attachment(request: Request, graph: GraphMailbox, item: Item, attachment_id: str, path: str) -> Reply:
    odata.check_options(request, frozenset({"$select", "$expand"}))
    index = _attachment_index(graph, item, attachment_id)
    known = {*resources.ATTACHMENT_FIELDS, "contentBytes"}
    select = resources.parse_select(request.query.get("$select"), known, "attachment")
    found = [*item.source.attachments(), *references.of(graph, item)][index]
    body = _attachment(graph, item, index, found, select, _item_expand(request))
    return Reply.json({"@odata.context": odata.context(request, path, entity=True, select=select), **body})


def attachment_value(request: Request, graph: GraphMailbox, item: Item, attachment_id: str) -> Reply:
    odata.check_options(request, odata.VALUE_OPTIONS)
    index = _attachment_index(graph, item, attachment_id)
    if index >= len(item.source.attachments()):
        raise references.no_value()
    found = item.source.attachments()[index]
    content_type = "message/rfc822" if found.is_item else found.content_type
    return Reply(200, item.source.attachment_content(index), content_type)


def message_delta(
    request: Request, graph: GraphMailbox, found: Folder, path: str, tokens: DeltaTokens
) -> Reply:
    odata.check_options(request, odata.DELTA_OPTIONS)
    token = request.query.get("$deltatoken") or request.query.get("$skiptoken")
    if token:
        state = tokens.open(token, graph, found.uid)
    else:
        change_type = request.query.get("changeType")
        if change_type is not None and change_type not in _CHANGE_TYPES:
            raise bad_request("changeType must be created, updated or deleted.")
        select = request.query.get("$select")
        resources.parse_select(select, resources.MESSAGE_FIELDS, "message")
        compile_delta_filter(request.query.get("$filter"))
        top = int(request.query["$top"]) if request.query.get("$top", "").isdigit() else None
        state = Round(
            found.uid, graph.box.epoch, Cursor(), select, request.query.get("$filter"), change_type, top
        )
    limit = max(1, min(request.max_page_size or state.top or DEFAULT_PAGE, MAX_PAGE))
    view = resources.View(graph, request.immutable_ids)
    values, after, done = message_page(view, found, state, limit)
    _checkpoint(graph)
    return _delta_reply(request, path, values, tokens.seal(graph.address, after), done)


def _checkpoint(graph: GraphMailbox) -> None:
    # A deltaLink may name only change log positions a restarted emulator still has (ews/persist.py).
    with graph.box.lock:
        graph.box.checkpoint()


def folder_delta(request: Request, graph: GraphMailbox, path: str, tokens: DeltaTokens) -> Reply:
    odata.check_options(request, frozenset({"$select", "$top", "$skiptoken", "$deltatoken"}))
    resources.parse_select(request.query.get("$select"), resources.FOLDER_FIELDS, "mailFolder")
    token = request.query.get("$deltatoken") or request.query.get("$skiptoken")
    state = tokens.open(token, graph, 0) if token else Round(0, graph.box.epoch, Cursor())
    limit = max(1, min(request.max_page_size or DEFAULT_PAGE * 10, MAX_PAGE))
    values, after, done = folder_page(graph, state, limit)
    _checkpoint(graph)
    return _delta_reply(request, path, values, tokens.seal(graph.address, after), done)


def _delta_reply(request: Request, path: str, values: list[Any], token: str, done: bool) -> Reply:
    # Graph writes its links to the function without the call's parentheses.
    path = path.removesuffix("()")
    link = f"{request.base_url}{quote(path)}?" + urlencode({"$deltatoken" if done else "$skiptoken": token})
    body: dict[str, Any] = {
        "@odata.context": odata.context(request, path.rsplit("/", 1)[0]) + "/delta",
        "value": values,
        "@odata.deltaLink" if done else "@odata.nextLink": link,
    }
    return Reply.json(body, _applied(request))
