"""The SOQL subset the source uses, parsed properly (SOQL and SOSL Reference):

    SELECT field[, field...] FROM object
    [WHERE field op literal [AND field op literal ...]]
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST][, ...]]
    [LIMIT n]

A selected field may be a parent's field through one relationship (`Account.Name`, child-to-parent
dot notation). op is one of = != <> < <= > >= or IN (a parenthesised list of literals); a literal
is a dateTime (2024-03-01T09:30:00Z, unquoted), a 'quoted string', a number, true, false or null.
Anything else (OR, functions, deeper relationship paths, paths outside SELECT, subqueries,
OFFSET) answers MALFORMED_QUERY, as a syntax error would. Binding to the schema and running the
query: query.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from emulators.salesforce.errors import ApiError
from emulators.salesforce.values import parse_datetime

_TOKEN = re.compile(
    r"\s*(?:(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<string>'(?:[^'\\]|\\.)*')"
    r"|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<comma>,)"
    r"|(?P<paren>[()])"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"
    r"|(?P<other>\S))"
)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # datetime, str, float, bool or None; a tuple of them for IN


@dataclass(frozen=True)
class Order:
    field: str
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class Query:
    fields: list[str]
    object: str
    where: list[Condition]
    order: list[Order]
    limit: int | None


def malformed(message: str) -> ApiError:
    return ApiError(400, "MALFORMED_QUERY", message)


class _Tokens:
    def __init__(self, text: str) -> None:
        self.items: list[tuple[str, str]] = []
        for match in _TOKEN.finditer(text):
            kind = match.lastgroup
            if kind is not None:
                self.items.append((kind, match.group(kind)))
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise malformed("unexpected end of query")
        self.pos += 1
        return token

    def keyword(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() == words[0]:
            for word in words:
                kind, value = self.next()
                if kind != "word" or value.upper() != word:
                    raise malformed(f"unexpected token: '{value}'")
            return True
        return False

    def name(self, path: bool = False) -> str:
        """A field or object name; with `path`, also Relationship.Field (one level)."""
        kind, value = self.next()
        if kind != "word" or value.upper() in _RESERVED:
            raise malformed(f"unexpected token: '{value}'")
        if value.count(".") > (1 if path else 0):
            raise malformed(f"relationship paths are not supported here: '{value}'")
        return value


_RESERVED = {
    *("SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "ORDER", "BY", "LIMIT", "OFFSET", "ASC", "DESC"),
}


def parse(text: str) -> Query:
    tokens = _Tokens(text)
    if not tokens.keyword("SELECT"):
        raise malformed("unexpected token: query must begin with SELECT")
    fields = [tokens.name(path=True)]
    while tokens.peek() == ("comma", ","):
        tokens.next()
        fields.append(tokens.name(path=True))
    if not tokens.keyword("FROM"):
        raise malformed(f"unexpected token: '{(tokens.peek() or ('', 'end'))[1]}'")
    obj = tokens.name()
    where = _where(tokens) if tokens.keyword("WHERE") else []
    order = _order(tokens) if tokens.keyword("ORDER", "BY") else []
    limit = _limit(tokens) if tokens.keyword("LIMIT") else None
    leftover = tokens.peek()
    if leftover is not None:
        raise malformed(f"unexpected token: '{leftover[1]}'")
    return Query(fields, obj, where, order, limit)


def _where(tokens: _Tokens) -> list[Condition]:
    conditions = [_condition(tokens)]
    while tokens.keyword("AND"):
        conditions.append(_condition(tokens))
    return conditions


def _condition(tokens: _Tokens) -> Condition:
    name = tokens.name()
    if tokens.keyword("IN"):
        return Condition(name, "IN", _list(tokens))
    kind, op = tokens.next()
    if kind != "op":
        raise malformed(f"unexpected token: '{op}'")
    return Condition(name, "!=" if op == "<>" else op, _literal(tokens))


def _list(tokens: _Tokens) -> tuple[Any, ...]:
    if tokens.next() != ("paren", "("):
        raise malformed("unexpected token: IN needs a parenthesised list")
    values = [_literal(tokens)]
    while tokens.peek() == ("comma", ","):
        tokens.next()
        values.append(_literal(tokens))
    if tokens.next() != ("paren", ")"):
        raise malformed("unexpected token: the IN list is not closed")
    return tuple(values)


def _literal(tokens: _Tokens) -> Any:
    kind, raw = tokens.next()
    if kind == "datetime":
        return parse_datetime(raw)
    if kind == "number":
        return float(raw)
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if kind == "word" and raw.lower() in {"true", "false", "null"}:
        return {"true": True, "false": False, "null": None}[raw.lower()]
    raise malformed(f"unexpected token: '{raw}'")


def _order(tokens: _Tokens) -> list[Order]:
    items = []
    while True:
        name = tokens.name()
        descending = tokens.keyword("DESC")
        if not descending:
            tokens.keyword("ASC")
        nulls_last = descending
        if tokens.keyword("NULLS"):
            _, where = tokens.next()
            if where.upper() not in {"FIRST", "LAST"}:
                raise malformed(f"unexpected token: '{where}'")
            nulls_last = where.upper() == "LAST"
        items.append(Order(name, descending, nulls_last))
        if tokens.peek() != ("comma", ","):
            return items
        tokens.next()


def _limit(tokens: _Tokens) -> int:
    kind, raw = tokens.next()
    if kind != "number" or not raw.isdigit():
        raise malformed(f"unexpected token: '{raw}'")
    return int(raw)
