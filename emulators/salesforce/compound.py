"""Compound and formula fields, added to an object while the emulator runs (issue 19).

- A compound field (`address`: BillingAddress, MailingAddress; `location`: a geolocation) is
  answered in REST queries as one JSON object of its components (REST API, "Compound Fields").
- A formula field (describe `calculated: true`) is computed when it is read, so its value can
  change without its record being saved: `recalculate` changes it and leaves SystemModstamp and
  LastModifiedDate as they were, which is why a sync cannot trust SystemModstamp for it.
"""

from __future__ import annotations

from typing import Any

from emulators.salesforce.emulator import SalesforceEmulator
from emulators.salesforce.schema import FieldDef
from emulators.salesforce.values import from_data


def add_field(emu: SalesforceEmulator, object_name: str, field: FieldDef, *, org: str | None = None) -> None:
    table = emu.org(org).table(object_name)
    if table is None:
        raise KeyError(f"no object {object_name!r}")
    table.obj.fields[field.name.lower()] = field


def recalculate(
    emu: SalesforceEmulator,
    object_name: str,
    record_id: str,
    values: dict[str, Any],
    *,
    org: str | None = None,
) -> None:
    """New values of formula fields; the record's stamps do not move (nothing was saved)."""
    found = emu.org(org)
    table = found.table(object_name)
    if table is None or record_id not in table.records:
        raise KeyError(f"no {object_name} {record_id}")
    typed = {}
    for name, value in values.items():
        described = table.obj.field(name)
        if described is None or not described.calculated:
            raise ValueError(f"{object_name}.{name} is not a formula field")
        typed[described.name] = from_data(table.obj, name, value)
    with found.lock:
        table.records[record_id].update(typed)
