"""A WHERE expression (soql.py) typed against an object's fields, and evaluated over a record.

As in Salesforce: comparisons with null are false except `= null` / `!= null`, and `!=` and
NOT IN keep records whose field is null; LIKE is case-insensitive with `%` and `_` wildcards;
a date literal is a range of whole UTC days, so `= LAST_N_DAYS:7` means "within it", `>` "after
its end" and `<` "before its start" (SOQL reference, "Date Formats and Date Literals").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from emulators.salesforce.errors import ApiError
from emulators.salesforce.schema import DATETIME_TYPES, NUMERIC_TYPES, ObjectDef
from emulators.salesforce.soql import Condition, DateLiteral, Expression, Junction, Negation

FieldLookup = Callable[[str], Any]  # canonical field definition by name, raising INVALID_FIELD


@dataclass(frozen=True)
class DateRange:
    """A date literal resolved against the clock: [start, end)."""

    start: datetime
    end: datetime


def bind(expression: Expression, obj: ObjectDef, field: FieldLookup, now: datetime) -> Expression:
    """Field names made canonical, values checked against field types, date literals resolved."""
    if isinstance(expression, Junction):
        return Junction(expression.op, tuple(bind(p, obj, field, now) for p in expression.parts))
    if isinstance(expression, Negation):
        return Negation(bind(expression.part, obj, field, now))
    return _typed(expression, field(expression.field), now)


def matches(expression: Expression, record: dict[str, Any]) -> bool:
    if isinstance(expression, Junction):
        results = (matches(p, record) for p in expression.parts)
        return all(results) if expression.op == "AND" else any(results)
    if isinstance(expression, Negation):
        return not matches(expression.part, record)
    return _OPS[expression.op](record.get(expression.field), expression.value)


def _range(literal: DateLiteral, now: datetime) -> DateRange:
    today = datetime.combine(now.date(), time(), now.tzinfo)
    day = timedelta(days=1)
    starts = {
        "TODAY": (today, today + day),
        "YESTERDAY": (today - day, today),
        "TOMORROW": (today + day, today + 2 * day),
        # "Starts with the current day and continues for the past n days."
        "LAST_N_DAYS": (today - literal.n * day, today + day),
        "NEXT_N_DAYS": (today + day, today + (literal.n + 1) * day),
        "N_DAYS_AGO": (today - literal.n * day, today - (literal.n - 1) * day),
    }
    return DateRange(*starts[literal.name])


def _like(value: Any, pattern: str) -> bool:
    if value is None:
        return False
    regex = "".join(
        ".*" if c == "%" else "." if c == "_" else re.escape(c[-1]) for c in re.findall(r"\\.|.", pattern)
    )
    return re.fullmatch(regex, str(value), re.IGNORECASE | re.DOTALL) is not None


def _compare(op: str) -> Callable[[Any, Any], bool]:
    def check(a: Any, b: Any) -> bool:
        if isinstance(b, DateRange):
            return (
                a is not None
                and {
                    "<": a < b.start,
                    "<=": a < b.end,
                    ">": a >= b.end,
                    ">=": a >= b.start,
                }[op]
            )
        if a is None or b is None:
            return False
        return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])

    return check


def _equal(a: Any, b: Any) -> bool:
    if isinstance(b, DateRange):
        return a is not None and b.start <= a < b.end
    return bool(a == b)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": _equal,
    "!=": lambda a, b: not _equal(a, b),
    "<": _compare("<"),
    "<=": _compare("<="),
    ">": _compare(">"),
    ">=": _compare(">="),
    "IN": lambda a, b: any(_equal(a, v) for v in b),
    "NOT IN": lambda a, b: not any(_equal(a, v) for v in b),
    "LIKE": _like,
}


def _typed(condition: Condition, found: Any, now: datetime) -> Condition:
    if found.type == "textarea":
        raise ApiError(400, "INVALID_FIELD", f"field '{found.name}' can not be filtered in a query call")
    if condition.op == "LIKE" and (found.type in NUMERIC_TYPES | DATETIME_TYPES or found.type == "boolean"):
        raise ApiError(400, "INVALID_FIELD", f"invalid operator on {found.type} field '{found.name}': LIKE")
    expected: type = (
        datetime
        if found.type in DATETIME_TYPES
        else date
        if found.type == "date"
        else float
        if found.type in NUMERIC_TYPES
        else bool
        if found.type == "boolean"
        else str
    )
    many = condition.op in {"IN", "NOT IN"}
    values = tuple(
        _value(v, expected, found.name, now) for v in (condition.value if many else (condition.value,))
    )
    return replace(condition, field=found.name, value=values if many else values[0])


def _value(value: Any, expected: type, name: str, now: datetime) -> Any:
    if isinstance(value, DateLiteral) and expected is datetime:
        return _range(value, now)
    if isinstance(value, date) and not isinstance(value, datetime) and expected is date:
        return value.isoformat()  # date fields hold ISO strings, which order as dates do
    if value is None or (isinstance(value, expected) and not isinstance(value, DateLiteral)):
        return value
    kind = {datetime: "dateTime", date: "date", float: "number", bool: "boolean", str: "string"}[expected]
    raise ApiError(
        400,
        "INVALID_FIELD",
        f"value of filter criterion for field '{name}' must be of type {kind}"
        + (" and should not be enclosed in quotes" if expected is not str else ""),
    )
