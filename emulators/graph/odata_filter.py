"""OData `$filter` on messages, as far as Outlook evaluates it: comparisons (eq ne gt ge lt le)
of receivedDateTime, sentDateTime, hasAttachments, isRead, subject, internetMessageId,
from|sender/emailAddress/address, the lambda `categories/any(c:c eq 'X')`, the string functions
contains, startswith and endswith, `and`, `or`, `not` and parentheses. Strings compare
case-insensitively, as Exchange does. Anything else is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from emulators.ews.mailbox import Item
from emulators.graph.errors import GraphError
from emulators.graph.resources import categories, has_attachments, sender_address

Predicate = Callable[[Item], bool]
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<date>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)"
    r"|(?P<number>-?\d+(?:\.\d+)?(?![-\d]))|(?P<punct>[():,])|(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*))"
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
}
_PROPERTIES: dict[str, Callable[[Item], Any]] = {
    "receivedDateTime": lambda item: item.received,
    "sentDateTime": lambda item: item.source.sent(),
    "hasAttachments": has_attachments,
    "isRead": lambda item: item.is_read,
    "subject": lambda item: (item.source.header("Subject") or "").casefold(),
    "internetMessageId": lambda item: (item.source.header("Message-ID") or "").casefold(),
    "from/emailAddress/address": lambda item: sender_address(item).casefold(),
    "sender/emailAddress/address": lambda item: sender_address(item).casefold(),
}


def invalid(detail: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Invalid filter clause: {detail}")


def tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise invalid(f"syntax error at position {position}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


# mailFolder properties Outlook filters on (O365's get_folder(folder_name=...) sends displayName eq).
FOLDER_PROPERTIES: dict[str, Callable[[Any], Any]] = {
    "displayName": lambda folder: folder.name.casefold(),
    "totalItemCount": lambda folder: float(len(folder.items)),
    "unreadItemCount": lambda folder: float(folder.unread),
    "childFolderCount": lambda folder: float(len(folder.live_children())),
    "isHidden": lambda folder: False,
}


class _Parser:
    def __init__(
        self, text: str, properties: dict[str, Callable[[Any], Any]] = _PROPERTIES, type_name: str = "message"
    ) -> None:
        self.items = tokens(text)
        self.at = 0
        self.properties, self.type_name = properties, type_name

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise invalid(f"expected {value or 'more'}")
        self.at += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise invalid(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return predicate

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda item: any(p(item) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda item: all(p(item) for p in parts))

    def unary(self) -> Predicate:
        if self.peek() == ("word", "not"):
            self.take()
            inner = self.unary()
            return lambda item: not inner(item)
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.disjunction()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, name = self.take()
        if kind != "word":
            raise invalid(f"expected a property, found {name!r}")
        if name == "categories/any" and self.type_name == "message":
            return self.any_category()
        if name in _FUNCTIONS and self.peek() == ("punct", "("):
            return self.function(_FUNCTIONS[name])
        read = self.properties.get(name)
        if read is None:
            raise GraphError(
                400,
                "RequestBroker--ParseUri",
                f"Could not find a property named '{name}' on type '{self.type_name}'.",
            )
        _, op = self.take()
        compare = _OPS.get(op)
        if compare is None:
            raise invalid(f"unknown operator {op!r}")
        value = literal(self.take())
        return lambda item: bool(compare(read(item), value))

    def function(self, test: Callable[[str, str], bool]) -> Predicate:
        self.take("(")
        _, name = self.take()
        read = self.properties.get(name)
        if read is None:
            raise GraphError(
                400,
                "RequestBroker--ParseUri",
                f"Could not find a property named '{name}' on type '{self.type_name}'.",
            )
        self.take(",")
        value = literal(self.take())
        self.take(")")
        if not isinstance(value, str):
            raise invalid("string functions take a string literal")
        return lambda item: test(str(read(item) or ""), value)

    def any_category(self) -> Predicate:
        self.take("(")
        variable = self.take()[1]
        self.take(":")
        if self.take()[1] != variable or self.take()[1] != "eq":
            raise invalid("categories/any supports only (c:c eq 'value')")
        value = literal(self.take())
        self.take(")")
        return lambda item: any(c.casefold() == value for c in categories(item))


# OData string functions; values are case-folded on both sides, as Exchange compares strings.
_FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda value, part: part in value,
    "startswith": lambda value, part: value.startswith(part),
    "endswith": lambda value, part: value.endswith(part),
}


def literal(token: tuple[str, str]) -> Any:
    kind, text = token
    if kind == "string":
        return text[1:-1].replace("''", "'").casefold()
    if kind == "number":
        return float(text)
    if kind == "date":
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if text in ("true", "false"):
        return text == "true"
    raise invalid(f"unsupported literal {text!r}")


def compile_filter(text: str) -> Predicate:
    return _Parser(text).parse()


def compile_folder_filter(text: str) -> Callable[[Any], bool]:
    return _Parser(text, FOLDER_PROPERTIES, "mailFolder").parse()


def compile_for(
    text: str, properties: dict[str, Callable[[Any], Any]], type_name: str
) -> Callable[[Any], bool]:
    """A filter over another resource's properties (users: mail, userPrincipalName, ...)."""
    return _Parser(text, properties, type_name).parse()


_DELTA_FILTER = re.compile(r"^\s*receivedDateTime\s+(ge|gt)\s+\S+\s*$")


def compile_delta_filter(text: str | None) -> Predicate | None:
    """message delta: "$filter ... supports only receivedDateTime ge|gt {value}" (message-delta)."""
    if not text:
        return None
    if not _DELTA_FILTER.match(text):
        raise GraphError(
            400, "ErrorInvalidRestriction", "The delta query supports $filter on receivedDateTime ge|gt only."
        )
    return compile_filter(text)
