"""The SOQL subset the source uses, parsed properly (SOQL and SOSL Reference):

    SELECT field[, field...] FROM object
    [WHERE field op literal [AND field op literal ...]]
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST][, ...]]
    [LIMIT n]

op is one of = != <> < <= > >=; a literal is a dateTime (2024-03-01T09:30:00Z, unquoted), a
'quoted string', a number, true, false or null. Anything else (OR, parentheses, functions,
relationship paths, subqueries, OFFSET) answers MALFORMED_QUERY, as a syntax error would.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from emulators.salesforce.errors import ApiError
from emulators.salesforce.schema import DATETIME_TYPES, NUMERIC_TYPES, FieldDef, ObjectDef
from emulators.salesforce.values import parse_datetime

_TOKEN = re.compile(
    r"\s*(?:(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<string>'(?:[^'\\]|\\.)*')"
    r"|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<comma>,)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"
    r"|(?P<other>\S))"
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a is not None and b is not None and a < b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # datetime, str, float, bool or None


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

    def name(self) -> str:
        kind, value = self.next()
        if kind != "word" or value.upper() in _RESERVED:
            raise malformed(f"unexpected token: '{value}'")
        if "." in value:
            raise malformed(f"relationship paths are not supported here: '{value}'")
        return value


_RESERVED = {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "ORDER", "BY", "LIMIT", "OFFSET", "ASC", "DESC"}


def parse(text: str) -> Query:
    tokens = _Tokens(text)
    if not tokens.keyword("SELECT"):
        raise malformed("unexpected token: query must begin with SELECT")
    fields = [tokens.name()]
    while tokens.peek() == ("comma", ","):
        tokens.next()
        fields.append(tokens.name())
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
    kind, op = tokens.next()
    if kind != "op":
        raise malformed(f"unexpected token: '{op}'")
    kind, raw = tokens.next()
    value: Any
    if kind == "datetime":
        value = parse_datetime(raw)
    elif kind == "number":
        value = float(raw)
    elif kind == "string":
        value = re.sub(r"\\(.)", r"\1", raw[1:-1])
    elif kind == "word" and raw.lower() in {"true", "false", "null"}:
        value = {"true": True, "false": False, "null": None}[raw.lower()]
    else:
        raise malformed(f"unexpected token: '{raw}'")
    return Condition(name, "!=" if op == "<>" else op, value)


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


def bind(query: Query, obj: ObjectDef) -> Query:
    """Field names made canonical; unknown fields and mistyped literals answer INVALID_FIELD."""
    fields = [_field(obj, name).name for name in query.fields]
    where = [_typed_condition(obj, c) for c in query.where]
    order = []
    for item in query.order:
        found = _field(obj, item.field)
        if found.type == "textarea":
            raise ApiError(400, "INVALID_FIELD", f"field '{found.name}' can not be sorted in a query call")
        order.append(replace(item, field=found.name))
    return Query(fields, obj.name, where, order, query.limit)


def _field(obj: ObjectDef, name: str) -> FieldDef:
    found = obj.field(name)
    if found is None:
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{obj.name}'. If you are attempting to use a custom field, "
            "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
            "describe call for the appropriate names.",
        )
    return found


def _typed_condition(obj: ObjectDef, condition: Condition) -> Condition:
    found = _field(obj, condition.field)
    if found.type == "textarea":
        raise ApiError(400, "INVALID_FIELD", f"field '{found.name}' can not be filtered in a query call")
    value = condition.value
    expected = (
        datetime
        if found.type in DATETIME_TYPES
        else float
        if found.type in NUMERIC_TYPES
        else bool
        if found.type == "boolean"
        else str
    )
    if value is not None and not isinstance(value, expected):
        kind = {datetime: "dateTime", float: "number", bool: "boolean", str: "string"}[expected]
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"value of filter criterion for field '{found.name}' must be of type {kind}"
            + (" and should not be enclosed in quotes" if expected is not str else ""),
        )
    return replace(condition, field=found.name)


def run(query: Query, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bound query over records: filter, stable multi-key sort, limit (whole records, unprojected)."""
    selected = [r for r in records if all(_OPS[c.op](r.get(c.field), c.value) for c in query.where)]
    for item in reversed(query.order):
        present = [r for r in selected if r.get(item.field) is not None]
        absent = [r for r in selected if r.get(item.field) is None]
        present.sort(key=_value_of(item.field), reverse=item.descending)
        selected = present + absent if item.nulls_last else absent + present
    return selected if query.limit is None else selected[: query.limit]


def _value_of(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda record: record[name]
