"""FindItem's Restriction and SortOrder over a folder's items (MS-OXWSSRCH 2.2.4.x, RestrictionType).

Evaluated: IsEqualTo, IsNotEqualTo, IsGreaterThan(OrEqualTo), IsLessThan(OrEqualTo), Contains
(ContainmentMode FullString / Prefixed / Substring; ContainmentComparison Exact or IgnoreCase*),
Exists, And, Or, Not, on the properties below. A valid property the emulator does not evaluate
answers ErrorUnsupportedPathForQuery, as Exchange does for paths it cannot search; an invalid one
ErrorInvalidPropertyRequest; an element outside the schema ErrorSchemaValidation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from emulators.ews.field_uris import is_known
from emulators.ews.mailbox import Item
from emulators.ews.request import T
from emulators.ews.soap import EwsError, SoapFault

Predicate = Callable[[Item], bool]

PROPERTIES: dict[str, Callable[[Item], Any]] = {
    "item:Subject": lambda item: item.source.header("Subject") or "",
    "item:DateTimeReceived": lambda item: item.received,
    "item:DateTimeCreated": lambda item: item.received,
    "item:LastModifiedTime": lambda item: item.received,
    "item:DateTimeSent": lambda item: item.source.sent() or item.received,
    "item:HasAttachments": lambda item: any(not a.is_inline for a in item.source.attachments()),
    "item:ItemClass": lambda item: "IPM.Note",
    "item:Importance": lambda item: "Normal",
    "item:Size": lambda item: item.source.size,
    "message:IsRead": lambda item: item.is_read,
    "message:InternetMessageId": lambda item: item.source.header("Message-ID") or "",
    "message:ConversationTopic": lambda item: item.source.header("Subject") or "",
    "message:From": lambda item: _address(item, "From"),
    "message:Sender": lambda item: _address(item, "Sender") or _address(item, "From"),
}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "IsEqualTo": lambda a, b: bool(a == b),
    "IsNotEqualTo": lambda a, b: bool(a != b),
    "IsGreaterThan": lambda a, b: bool(a > b),
    "IsGreaterThanOrEqualTo": lambda a, b: bool(a >= b),
    "IsLessThan": lambda a, b: bool(a < b),
    "IsLessThanOrEqualTo": lambda a, b: bool(a <= b),
}


def _address(item: Item, header: str) -> str:
    found = item.source.addresses(header)
    return found[0][1].lower() if found else ""


def _schema(detail: str) -> SoapFault:
    return SoapFault("ErrorSchemaValidation", f"The request failed schema validation: {detail}.")


def field_of(element: ET.Element | None) -> tuple[str, Callable[[Item], Any]]:
    if element is None or element.tag != f"{T}FieldURI":
        raise _schema("a FieldURI is required here")
    uri = element.get("FieldURI", "")
    if not is_known(uri):
        raise EwsError("ErrorInvalidPropertyRequest")
    read = PROPERTIES.get(uri)
    if read is None:
        raise EwsError("ErrorUnsupportedPathForQuery")
    return uri, read


def _typed(uri: str, read: Callable[[Item], Any], raw: str) -> Any:
    sample_types = {
        "item:DateTimeReceived": datetime,
        "item:DateTimeCreated": datetime,
        "item:LastModifiedTime": datetime,
        "item:DateTimeSent": datetime,
        "item:HasAttachments": bool,
        "message:IsRead": bool,
        "item:Size": int,
    }
    kind = sample_types.get(uri, str)
    try:
        if kind is datetime:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if kind is bool:  # xs:boolean: true, false, 1 or 0
            if raw not in ("true", "false", "1", "0"):
                raise ValueError(raw)
            return raw in ("true", "1")
        if kind is int:
            return int(raw)
    except ValueError:
        raise _schema(f"'{raw}' is not a valid value for {uri}") from None
    return raw.lower() if uri in ("message:From", "message:Sender") else raw


def compile_restriction(element: ET.Element) -> Predicate:
    tag = element.tag.removeprefix(T)
    if tag in ("And", "Or"):
        parts = [compile_restriction(child) for child in element]
        if not parts:
            raise _schema(f"{tag} needs at least one condition")
        joined = all if tag == "And" else any
        return lambda item: joined(p(item) for p in parts)
    if tag == "Not":
        if len(element) != 1:
            raise _schema("Not takes exactly one condition")
        inner = compile_restriction(element[0])
        return lambda item: not inner(item)
    if tag == "Exists":
        field_of(element.find(f"{T}FieldURI"))
        return lambda item: True
    if tag in _COMPARISONS:
        return _comparison(element, _COMPARISONS[tag])
    if tag == "Contains":
        return _contains(element)
    raise _schema(f"unexpected element {tag}")


def _constant(element: ET.Element | None) -> str:
    if element is None or element.get("Value") is None:
        raise _schema("a Constant with a Value is required here")
    return element.get("Value", "")


def _comparison(element: ET.Element, compare: Callable[[Any, Any], bool]) -> Predicate:
    uri, read = field_of(element.find(f"{T}FieldURI"))
    value = _typed(uri, read, _constant(element.find(f"{T}FieldURIOrConstant/{T}Constant")))
    return lambda item: compare(read(item), value)


def _contains(element: ET.Element) -> Predicate:
    _, read = field_of(element.find(f"{T}FieldURI"))
    wanted = _constant(element.find(f"{T}Constant"))
    mode = element.get("ContainmentMode", "FullString")
    ignore_case = element.get("ContainmentComparison", "Exact").startswith("IgnoreCase")
    if mode not in ("FullString", "Prefixed", "Substring"):
        raise EwsError("ErrorUnsupportedQueryFilter")

    def test(item: Item) -> bool:
        value, part = str(read(item)), wanted
        if ignore_case:
            value, part = value.casefold(), part.casefold()
        if mode == "FullString":
            return value == part
        return value.startswith(part) if mode == "Prefixed" else part in value

    return test


def sort(items: list[Item], order: ET.Element | None) -> list[Item]:
    """SortOrder's FieldOrders, first the most significant; without one, newest received first."""
    if order is None or len(order) == 0:
        return sorted(items, key=lambda item: (item.received, item.uid), reverse=True)
    ordered = sorted(items, key=lambda item: item.uid)
    for field_order in reversed(list(order)):
        _, read = field_of(field_order.find(f"{T}FieldURI"))
        direction = field_order.get("Order", "Ascending")
        if direction not in ("Ascending", "Descending"):
            raise _schema(f"'{direction}' is not a SortDirection")
        ordered.sort(key=read, reverse=direction == "Descending")
    return ordered
