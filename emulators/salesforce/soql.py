"""The SOQL a connector and the vendor's clients send, parsed properly (SOQL and SOSL Reference):

    SELECT COUNT() | item[, item...] FROM object
    [WHERE condition-expression]
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST][, ...]]
    [LIMIT n] [OFFSET n]

An item is a field, a parent's field through one relationship (`Account.Name`) or
FIELDS(ALL|STANDARD|CUSTOM). A condition-expression joins conditions with AND or OR (mixing them
needs parentheses, as in Salesforce), NOT and parentheses; a condition is `field op literal`
(op: = != <> < <= > >=), `field [NOT] IN (literal, ...)` or `field LIKE 'pattern'`. A literal is
a dateTime (2024-03-01T09:30:00Z, unquoted), a date, a 'quoted string', a number, true, false,
null, or a date literal (TODAY, YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n, N_DAYS_AGO:n).
Anything else (other functions, GROUP BY, subqueries, deeper relationship paths) answers
MALFORMED_QUERY naming the token (soql_lexer.py). Binding and running: query.py, where.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from emulators.salesforce.soql_lexer import Tokens, malformed
from emulators.salesforce.values import parse_datetime

__all__ = ["Condition", "DateLiteral", "Junction", "Negation", "Order", "Query", "malformed", "parse"]

# FIELDS(...) in the select list, expanded against the schema when the query is bound.
FIELDS_GROUPS = ("ALL", "STANDARD", "CUSTOM")
DATE_LITERALS = ("TODAY", "YESTERDAY", "TOMORROW")
DATE_LITERALS_N = ("LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO")


@dataclass(frozen=True)
class DateLiteral:
    """A relative date range (SOQL "Date Formats and Date Literals"), resolved against the clock."""

    name: str
    n: int = 0


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # = != < <= > >= IN NOT IN LIKE
    value: Any  # datetime, date, str, float, bool, None or DateLiteral; a tuple of them for IN


@dataclass(frozen=True)
class Junction:
    op: str  # AND or OR
    parts: tuple[Expression, ...]


@dataclass(frozen=True)
class Negation:
    part: Expression


Expression = Condition | Junction | Negation


@dataclass(frozen=True)
class Order:
    field: str
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class Query:
    fields: list[str]  # a name, Relationship.Name, or FIELDS(GROUP)
    object: str
    where: Expression | None
    order: list[Order]
    limit: int | None
    offset: int | None = None
    count: bool = False  # SELECT COUNT(): only totalSize is answered


_RESERVED = {
    *("SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "ORDER", "BY", "LIMIT", "OFFSET", "ASC", "DESC"),
    *("LIKE", "NULLS", "GROUP", "HAVING", "WITH", "FOR", "USING", "TYPEOF"),
}


def parse(text: str) -> Query:
    tokens = Tokens(text)
    if not tokens.keyword("SELECT"):
        raise tokens.unexpected()
    count = tokens.is_word("COUNT") and tokens.items[tokens.pos + 1 : tokens.pos + 3] == [
        ("paren", "("),
        ("paren", ")"),
    ]
    fields: list[str] = []
    if count:
        tokens.pos += 3
    else:
        fields.append(_item(tokens))
        while tokens.peek() == ("comma", ","):
            tokens.next()
            fields.append(_item(tokens))
    if not tokens.keyword("FROM"):
        raise tokens.unexpected()
    obj = _name(tokens)
    where = _expression(tokens) if tokens.keyword("WHERE") else None
    order = _order(tokens) if tokens.keyword("ORDER", "BY") else []
    limit = _integer(tokens) if tokens.keyword("LIMIT") else None
    offset = _integer(tokens) if tokens.keyword("OFFSET") else None
    if tokens.peek() is not None:
        raise tokens.unexpected()
    return Query(fields, obj, where, order, limit, offset, count)


def _name(tokens: Tokens, path: bool = False) -> str:
    """A field or object name; with `path`, also Relationship.Field (one level)."""
    kind, value = tokens.next()
    if kind != "word" or value.upper() in _RESERVED or value.count(".") > (1 if path else 0):
        raise tokens.fail_last()
    return value


def _item(tokens: Tokens) -> str:
    if tokens.is_word("FIELDS") and tokens.items[tokens.pos + 1 : tokens.pos + 2] == [("paren", "(")]:
        tokens.pos += 2
        kind, group = tokens.next()
        if kind != "word" or group.upper() not in FIELDS_GROUPS:
            raise tokens.fail_last()
        tokens.expect(("paren", ")"))
        return f"FIELDS({group.upper()})"
    if tokens.items[tokens.pos + 1 : tokens.pos + 2] == [("paren", "(")]:
        tokens.next()
        raise tokens.fail_last()  # an aggregate or other function the emulator does not evaluate
    return _name(tokens, path=True)


def _expression(tokens: Tokens) -> Expression:
    """Conditions joined by one kind of conjunction; the other kind needs parentheses."""
    parts = [_unary(tokens)]
    joiner = "AND" if tokens.is_word("AND") else "OR" if tokens.is_word("OR") else None
    while joiner is not None and tokens.keyword(joiner):
        parts.append(_unary(tokens))
    if tokens.is_word("AND") or tokens.is_word("OR"):
        raise tokens.unexpected()
    return parts[0] if joiner is None else Junction(joiner, tuple(parts))


def _unary(tokens: Tokens) -> Expression:
    if tokens.keyword("NOT"):
        return Negation(_unary(tokens))
    if tokens.peek() == ("paren", "("):
        tokens.next()
        inner = _expression(tokens)
        tokens.expect(("paren", ")"))
        return inner
    return _condition(tokens)


def _condition(tokens: Tokens) -> Condition:
    name = _name(tokens)
    if tokens.keyword("NOT", "IN"):
        return Condition(name, "NOT IN", _list(tokens))
    if tokens.keyword("IN"):
        return Condition(name, "IN", _list(tokens))
    if tokens.keyword("LIKE"):
        kind, raw = tokens.next()
        if kind != "string":
            raise tokens.fail_last()
        return Condition(name, "LIKE", raw[1:-1])
    kind, op = tokens.next()
    if kind != "op":
        raise tokens.fail_last()
    return Condition(name, "!=" if op == "<>" else op, _literal(tokens))


def _list(tokens: Tokens) -> tuple[Any, ...]:
    tokens.expect(("paren", "("))
    values = [_literal(tokens)]
    while tokens.peek() == ("comma", ","):
        tokens.next()
        values.append(_literal(tokens))
    tokens.expect(("paren", ")"))
    return tuple(values)


def _literal(tokens: Tokens) -> Any:
    kind, raw = tokens.next()
    if kind == "datetime":
        return parse_datetime(raw)
    if kind == "date":
        return date.fromisoformat(raw)
    if kind == "number":
        return float(raw)
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if kind == "word" and raw.lower() in {"true", "false", "null"}:
        return {"true": True, "false": False, "null": None}[raw.lower()]
    if kind == "word" and raw.upper() in DATE_LITERALS:
        return DateLiteral(raw.upper())
    name, _, n = raw.partition(":")
    if kind == "dateliteral" and name.upper() in DATE_LITERALS_N:
        return DateLiteral(name.upper(), int(n))
    raise tokens.fail_last()


def _order(tokens: Tokens) -> list[Order]:
    items = []
    while True:
        name = _name(tokens, path=False)
        descending = tokens.keyword("DESC")
        if not descending:
            tokens.keyword("ASC")
        nulls_last = descending
        if tokens.keyword("NULLS"):
            _, where = tokens.next()
            if where.upper() not in {"FIRST", "LAST"}:
                raise tokens.fail_last()
            nulls_last = where.upper() == "LAST"
        items.append(Order(name, descending, nulls_last))
        if tokens.peek() != ("comma", ","):
            return items
        tokens.next()


def _integer(tokens: Tokens) -> int:
    kind, raw = tokens.next()
    if kind != "number" or not raw.isdigit():
        raise tokens.fail_last()
    return int(raw)
