"""OData system query options as Graph applies them to mail (graph "Use query parameters",
"Use the $search query parameter"), and the `@odata.context` every response carries.

- A `$` option Graph does not define, or one the resource does not take, is a 400 (Graph answers
  unknown options rather than ignore them; plain parameters without `$` are passed over, as
  Graph passes them over).
- `$orderby=prop [asc|desc][, ...]` over the properties Outlook sorts by; with `$filter`, each
  ordered property must also appear in the filter, and first, or Outlook answers 400
  InefficientFilter ("The restriction or sort order is too complex for this operation").
- `$count=true` adds `@odata.count`, the size of the whole result before paging.
- `$search="words"` (KQL over subject, body and sender; `subject:`, `from:`, `body:` name one
  property) answers newest first, and cannot be combined with `$orderby` or `$filter`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from emulators.ews.mailbox import Item
from emulators.graph.errors import GraphError, bad_request
from emulators.graph.exchange import Request
from emulators.graph.resources import sender_address

# Every system query option of OData v4 that Graph defines, plus the paging tokens of its links.
DEFINED = frozenset(
    {"$select", "$expand", "$filter", "$orderby", "$top", "$skip", "$count", "$search", "$format"}
    | {"$skiptoken", "$deltatoken"}
)
LIST_OPTIONS = frozenset({"$select", "$expand", "$filter", "$orderby", "$top", "$skip", "$count", "$search"})
ENTITY_OPTIONS = frozenset({"$select", "$expand"})
DELTA_OPTIONS = frozenset({"$select", "$filter", "$top", "$skiptoken", "$deltatoken"})
VALUE_OPTIONS: frozenset[str] = frozenset()

_SORTABLE: dict[str, Callable[[Item], Any]] = {
    "receivedDateTime": lambda item: item.received,
    "createdDateTime": lambda item: item.received,
    "lastModifiedDateTime": lambda item: item.received,
    "sentDateTime": lambda item: item.source.sent() or datetime.min.replace(tzinfo=UTC),
    "subject": lambda item: (item.source.header("Subject") or "").casefold(),
    "from/emailAddress/address": lambda item: sender_address(item).casefold(),
    "from/emailAddress/name": lambda item: sender_address(item).casefold(),
    "hasAttachments": lambda item: any(not a.is_inline for a in item.source.attachments()),
    "isRead": lambda item: item.is_read,
    "importance": lambda item: "normal",
}
_ORDER_ITEM = re.compile(r"^\s*(?P<name>[A-Za-z/]+)(?:\s+(?P<dir>asc|desc))?\s*$", re.IGNORECASE)


def check_options(request: Request, allowed: frozenset[str]) -> None:
    for name in request.query:
        if not name.startswith("$"):
            continue
        if name.lower() not in DEFINED:
            raise bad_request(f"Query option '{name}' is not defined.")
        if name.lower() not in allowed:
            raise bad_request(
                f"Query option '{name[1:]}' is not allowed. Allowed: {', '.join(sorted(allowed))}."
            )
    count = request.query.get("$count")
    if count is not None and count not in ("true", "false"):
        raise bad_request(
            f"Invalid value '{count}' for $count query option found. Valid values are 'true', 'false'."
        )


def wants_count(request: Request) -> bool:
    return request.query.get("$count") == "true"


def order(request: Request, items: list[Item]) -> list[Item]:
    """Items in `$orderby` order; Graph's default for mail is receivedDateTime descending."""
    text = request.query.get("$orderby")
    if not text:
        return sorted(items, key=lambda item: (item.received, item.uid), reverse=True)
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        match = _ORDER_ITEM.match(part)
        if match is None or match.group("name") not in _SORTABLE:
            name = part.strip().split()[0] if part.strip() else part
            raise GraphError(
                400, "RequestBroker--ParseUri", f"Could not find a property named '{name}' on type 'message'."
            )
        keys.append((match.group("name"), (match.group("dir") or "asc").lower() == "desc"))
    _check_efficient(request.query.get("$filter"), [name for name, _ in keys])
    ordered = sorted(items, key=lambda item: item.uid)
    for name, descending in reversed(keys):
        ordered.sort(key=_SORTABLE[name], reverse=descending)
    return ordered


def _check_efficient(filter_text: str | None, names: list[str]) -> None:
    if not filter_text:
        return
    bare = re.sub(r"'(?:[^']|'')*'|\d{4}-\d{2}-\d{2}T[0-9:.]+Z?", " ", filter_text)
    mentioned = [w for w in re.findall(r"[A-Za-z]+(?:/[A-Za-z]+)*", bare) if w.lower() not in _WORDS]
    # The ordered properties must lead the filter, in the same order (Graph: "Use $filter and
    # $orderby in the same query", messages).
    if mentioned[: len(names)] != names:
        raise GraphError(
            400, "InefficientFilter", "The restriction or sort order is too complex for this operation."
        )


def search(request: Request, items: list[Item], text_of: Callable[[Item], str]) -> list[Item]:
    raw = request.query.get("$search")
    if raw is None:
        return items
    if "$orderby" in request.query or "$filter" in request.query:
        raise bad_request("$search cannot be combined with $filter or $orderby for messages.")
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        raise bad_request("Syntax error: the $search value must be enclosed in double quotes.")
    terms = [t for t in raw[1:-1].split() if t.upper() not in ("AND",)]
    found = [item for item in items if all(_term_matches(item, term, text_of) for term in terms)]
    return sorted(found, key=lambda item: (item.source.sent() or item.received, item.uid), reverse=True)


def _term_matches(item: Item, term: str, text_of: Callable[[Item], str]) -> bool:
    field, _, word = term.partition(":") if ":" in term else ("", "", term)
    word = word.strip("'\"").casefold()
    if field.lower() == "subject":
        return word in (item.source.header("Subject") or "").casefold()
    if field.lower() == "from":
        return word in sender_address(item).casefold()
    if field.lower() == "body":
        return word in text_of(item).casefold()
    haystack = " ".join([item.source.header("Subject") or "", sender_address(item), text_of(item)])
    return word in haystack.casefold()


def context(request: Request, path: str, *, entity: bool = False, select: Iterable[str] | None = None) -> str:
    """`@odata.context`: $metadata#users('a%40b')/mailFolders('inbox')/messages[(sel)][/$entity]."""
    segments = [s for s in path.strip("/").split("/") if s]
    parts: list[str] = []
    for segment in segments:
        if parts and not parts[-1].endswith(")") and parts[-1] in _COLLECTIONS:
            parts[-1] += f"('{quote(segment, safe='')}')"
        else:
            parts.append(segment)
    if entity and parts and parts[-1].endswith(")"):
        parts[-1] = parts[-1].split("(", 1)[0]  # the entity set, then /$entity
    text = "/".join(parts)
    if select:
        text += "(" + ",".join(select) + ")"
    return f"{request.base_url}/$metadata#{text}" + ("/$entity" if entity else "")


_WORDS = frozenset({"eq", "ne", "gt", "ge", "lt", "le", "and", "or", "not", "true", "false", "null"})
_COLLECTIONS = frozenset({"users", "mailFolders", "childFolders", "messages", "attachments"})
