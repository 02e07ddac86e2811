"""An org's records, changeable while the server runs; every change bumps SystemModstamp.

Deletions go to the delete log that getDeleted reads (Recycle Bin semantics: the record leaves
query results at once, its id and deletion time stay in the log).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from emulators.salesforce.config import OrgConfig, UserConfig
from emulators.salesforce.ids import IdFactory, id_for
from emulators.salesforce.schema import (
    STANDARD_OBJECTS,
    FieldDef,
    ObjectDef,
    custom_object,
    standard_object,
)
from emulators.salesforce.standard_objects import CHILD_RELATIONSHIPS
from emulators.salesforce.values import from_data

Clock = Callable[[], datetime]


@dataclass
class Table:
    obj: ObjectDef
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> canonical field -> value
    deleted: list[tuple[str, datetime]] = field(default_factory=list)
    # The Recycle Bin: deleted records as queryAll still reads them, IsDeleted true.
    recycled: dict[str, dict[str, Any]] = field(default_factory=dict)


class Org:
    def __init__(self, config: OrgConfig, ids: IdFactory, clock: Clock) -> None:
        self.name = config.name
        self.id = config.id or id_for("00D", config.name)
        self.users: dict[str, UserConfig] = {u.username.lower(): u for u in config.users}
        self.tables: dict[str, Table] = {}
        self.lock = threading.RLock()
        self._ids = ids
        self._clock = clock
        self._case_numbers = 1000
        # Every org has the standard objects; the data file adds records and custom objects.
        for standard in STANDARD_OBJECTS:
            obj = standard_object(standard)
            assert obj is not None
            self.tables[obj.name.lower()] = Table(obj)
        for number, (name, spec) in enumerate(config.objects.items()):
            obj = standard_object(name)
            if obj is None:
                fields = [
                    FieldDef(
                        f.name,
                        f.type,
                        f.label or f.name,
                        custom=True,
                        reference_to=tuple(f.reference_to),
                        # A custom relationship is the field's name with __r for __c.
                        relationship=f.name.removesuffix("__c") + "__r" if f.reference_to else None,
                        html=f.html,
                    )
                    for f in spec.fields
                ]
                prefix = spec.key_prefix or f"a{number:02d}"
                obj = custom_object(name, spec.label or name.removesuffix("__c"), prefix, fields)
            self.tables.setdefault(obj.name.lower(), Table(obj))
            for record in spec.records:
                self.put(obj.name, record)

    def user_id(self, user: UserConfig) -> str:
        return user.id or id_for("005", user.username.lower())

    def table(self, name: str) -> Table | None:
        return self.tables.get(name.lower())

    def put(self, object_name: str, values: dict[str, Any], at: datetime | None = None) -> str:
        """Create or update a record (by `Id`); returns its id. SystemModstamp and LastModifiedDate
        become `at` (default: values' own SystemModstamp, else now), as on every save in Salesforce."""
        table = self._require(object_name)
        typed = _typed(table.obj, values)
        with self.lock:
            record_id = typed.get("Id") or self._ids.new(table.obj.key_prefix)
            stamp = at or typed.get("SystemModstamp") or self._clock()
            current = table.records.get(record_id)
            table.recycled.pop(record_id, None)  # an undelete, or an id reused by a test
            record = dict(current) if current else self._defaults(table.obj, record_id, stamp)
            record.update(typed)
            record.update({"Id": record_id, "SystemModstamp": stamp, "LastModifiedDate": stamp})
            table.records[record_id] = record
            return str(record_id)

    def new_id(self, object_name: str) -> str:
        return self._ids.new(self._require(object_name).obj.key_prefix)

    def delete(self, object_name: str, record_id: str, at: datetime | None = None) -> None:
        table = self._require(object_name)
        with self.lock:
            record = table.records.pop(record_id, None)
            if record is None:
                raise KeyError(f"no {table.obj.name} {record_id}")
            stamp = at or self._clock()
            table.deleted.append((record_id, stamp))
            table.recycled[record_id] = {**record, "IsDeleted": True, "SystemModstamp": stamp}

    def object_def(self, name: str) -> ObjectDef | None:
        table = self.table(name)
        return table.obj if table else None

    def children(self, obj: ObjectDef) -> list[dict[str, Any]]:
        """describe's childRelationships: every reference field of the org that may point at `obj`."""
        return [
            {
                "childSObject": table.obj.name,
                "field": f.name,
                "relationshipName": child_relationship(table.obj, f),
                "cascadeDelete": False,
                "restrictedDelete": False,
                "deprecatedAndHidden": False,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
            }
            for table in self.tables.values()
            for f in table.obj.fields.values()
            if obj.name in f.reference_to
        ]

    def find(self, record_id: str) -> tuple[ObjectDef, dict[str, Any]] | None:
        """A record by id, of whichever object its key prefix names (a parent, for relationships)."""
        with self.lock:
            for table in self.tables.values():
                if table.obj.key_prefix == record_id[:3] and record_id in table.records:
                    return table.obj, table.records[record_id]
        return None

    def records(self, object_name: str) -> list[dict[str, Any]]:
        table = self._require(object_name)
        with self.lock:
            return [dict(r) for r in table.records.values()]

    def _defaults(self, obj: ObjectDef, record_id: str, stamp: datetime) -> dict[str, Any]:
        record: dict[str, Any] = {f.name: None for f in obj.fields.values()}
        record.update({"Id": record_id, "IsDeleted": False, "CreatedDate": stamp})
        if obj.name == "Case":
            self._case_numbers += 1
            record["CaseNumber"] = f"{self._case_numbers:08d}"
        if obj.name == "EmailMessage":
            record["Incoming"] = True
        return record

    def _require(self, object_name: str) -> Table:
        table = self.table(object_name)
        if table is None:
            raise KeyError(f"org {self.name} has no object {object_name}")
        return table


def _typed(obj: ObjectDef, values: dict[str, Any]) -> dict[str, Any]:
    typed: dict[str, Any] = {}
    for name, value in values.items():
        found = obj.field(name)
        if found is None:
            raise ValueError(f"{obj.name} has no field {name!r}")
        typed[found.name] = from_data(obj, name, value)
    return typed


def child_relationship(child: ObjectDef, reference: FieldDef) -> str | None:
    """A standard relationship's documented name; a custom lookup's is `<Child>s__r` by default."""
    if reference.custom:
        return child.name.removesuffix("__c") + "s__r"
    return CHILD_RELATIONSHIPS.get((child.name, reference.name))
