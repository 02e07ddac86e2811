"""Field values on the wire: Salesforce writes datetimes as `2024-03-01T09:30:00.000+0000`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from emulators.salesforce.schema import COMPOUND_TYPES, DATETIME_TYPES, NUMERIC_TYPES, ObjectDef

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$"
)


def format_datetime(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime:
    """ISO 8601 as Salesforce accepts it: `Z`, `+0000` or `+00:00`, optional fraction."""
    match = _DATETIME.match(text.strip())
    if not match:
        raise ValueError(f"not a dateTime: {text!r}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    normal = f"{year}-{month}-{day}T{hour}:{minute}:{second}"
    if fraction:
        normal += "." + fraction[:6].ljust(6, "0")
    normal += "+00:00" if zone == "Z" else f"{zone[:3]}:{zone[-2:]}"
    return datetime.fromisoformat(normal).astimezone(UTC)


def to_wire(value: Any) -> Any:
    return format_datetime(value) if isinstance(value, datetime) else value


def from_data(obj: ObjectDef, name: str, value: Any) -> Any:
    """A value from the data file or a test, typed by the field's describe type."""
    found = obj.field(name)
    if found is None:
        raise ValueError(f"{obj.name} has no field {name!r}")
    if value is None:
        return None
    if found.type in DATETIME_TYPES:
        return value if isinstance(value, datetime) else parse_datetime(str(value))
    if found.type in NUMERIC_TYPES:
        return value if isinstance(value, int | float) else float(value)
    if found.type == "boolean":
        return bool(value)
    if found.type in COMPOUND_TYPES:
        return dict(value)
    return str(value)
