"""A parsed SOQL query (soql.py) bound to an object's schema, run over its records, and its rows
written as the REST API writes them.

Child-to-parent fields (`Account.Name`; SOQL reference, "Understanding Relationship Names") are
resolved through the reference field whose `relationshipName` they name, and answered as a nested
record, `{"attributes": {...}, "Name": ...}`, or null when the reference is empty. A polymorphic
relationship (several `referenceTo`, e.g. Case.Owner) reaches only the Name object's fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from emulators.salesforce.errors import ApiError
from emulators.salesforce.schema import FieldDef, ObjectDef
from emulators.salesforce.soql import Query
from emulators.salesforce.values import to_wire
from emulators.salesforce.where import bind as bind_where
from emulators.salesforce.where import matches

# Object Reference, "Name": what a polymorphic relationship can read.
NAME_OBJECT_FIELDS = (
    *("Alias", "Email", "FirstName", "Id", "IsActive", "LastName", "Name", "NameOrAlias", "Phone"),
    *("ProfileId", "RecordTypeId", "Title", "Type", "UserRoleId", "Username"),
)
# "OFFSET": the largest offset Salesforce accepts.
MAX_OFFSET = 2000

ObjectLookup = Callable[[str], ObjectDef | None]  # an object of the org by name
RecordLookup = Callable[[str], tuple[ObjectDef, dict[str, Any]] | None]  # a record of the org by id


def bind(query: Query, obj: ObjectDef, objects: ObjectLookup, now: datetime | None = None) -> Query:
    """Field names made canonical (FIELDS() expanded); unknown fields and mistyped literals answer
    INVALID_FIELD; date literals are resolved against `now`."""
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
    fields: list[str] = []
    for name in query.fields:
        if name.startswith("FIELDS("):
            fields.extend(f for f in _fields_group(obj, name, query.limit) if f not in fields)
        else:
            fields.append(_parent_path(obj, name, objects) if "." in name else _field(obj, name).name)
    field = partial(_field, obj)
    where = None if query.where is None else bind_where(query.where, obj, field, now or datetime.now(UTC))
    order = []
    for item in query.order:
        found = _field(obj, item.field)
        if found.type == "textarea":
            raise ApiError(400, "INVALID_FIELD", f"field '{found.name}' can not be sorted in a query call")
        order.append(replace(item, field=found.name))
    return replace(query, fields=fields, object=obj.name, where=where, order=order)


def _fields_group(obj: ObjectDef, group: str, limit: int | None) -> list[str]:
    # FIELDS(ALL) and FIELDS(CUSTOM) are unbounded, so Salesforce insists on a small LIMIT.
    if group != "FIELDS(STANDARD)" and (limit is None or limit > 200):
        raise ApiError(400, "MALFORMED_QUERY", "The SOQL FIELDS function must have a LIMIT of at most 200")
    wanted = {"FIELDS(ALL)": (True, False), "FIELDS(STANDARD)": (False,), "FIELDS(CUSTOM)": (True,)}[group]
    return [f.name for f in obj.fields.values() if f.custom in wanted]


def run(query: Query, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bound query over records: filter, stable multi-key sort, offset, limit (whole records)."""
    where = query.where
    selected = records if where is None else [r for r in records if matches(where, r)]
    for item in reversed(query.order):
        present = [r for r in selected if r.get(item.field) is not None]
        absent = [r for r in selected if r.get(item.field) is None]
        present.sort(key=_value_of(item.field), reverse=item.descending)
        selected = present + absent if item.nulls_last else absent + present
    selected = selected[query.offset or 0 :]
    return selected if query.limit is None else selected[: query.limit]


def project(
    obj: ObjectDef, fields: list[str], row: dict[str, Any], version: str, records: RecordLookup
) -> dict[str, Any]:
    """One row as the REST API writes it: `attributes`, then the selected fields in their order,
    a parent's fields nested under the relationship name (null when the reference is empty)."""
    wire: dict[str, Any] = {"attributes": _attributes(obj.name, obj.name, str(row["Id"]), version)}
    parents: dict[str, dict[str, Any] | None] = {}
    for name in fields:
        relationship, _, field = name.partition(".")
        if not field:
            wire[name] = to_wire(row.get(name))
            continue
        if relationship not in parents:
            reference = _reference(obj, relationship)
            found = records(str(row.get(reference.name) or ""))
            if found is not None and found[0].name not in reference.reference_to:
                found = None
            parents[relationship] = found[1] if found else None
            wire[relationship] = _nested(reference, found, version)
        parent = parents[relationship]
        if parent is not None:
            wire[relationship][field] = to_wire(parent.get(field))
    return wire


def _nested(
    reference: FieldDef, found: tuple[ObjectDef, dict[str, Any]] | None, version: str
) -> dict[str, Any] | None:
    if found is None:
        return None
    parent_obj, parent = found
    # A polymorphic parent is typed "Name": only the Name object's fields are read through it.
    kind = "Name" if len(reference.reference_to) > 1 else parent_obj.name
    return {"attributes": _attributes(kind, parent_obj.name, str(parent["Id"]), version)}


def _attributes(kind: str, object_name: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": kind, "url": f"/services/data/v{version}/sobjects/{object_name}/{record_id}"}


def _reference(obj: ObjectDef, relationship: str) -> FieldDef:
    wanted = relationship.lower()
    found = next((f for f in obj.fields.values() if (f.relationship or "").lower() == wanted), None)
    if found is None:
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"Didn't understand relationship '{relationship}' in field path. If you are attempting to use a "
            "custom relationship, be sure to append the '__r' after the custom relationship name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
        )
    return found


def _parent_path(obj: ObjectDef, path: str, objects: ObjectLookup) -> str:
    relationship, _, name = path.partition(".")
    reference = _reference(obj, relationship)
    assert reference.relationship is not None
    if len(reference.reference_to) > 1:
        field = next((f for f in NAME_OBJECT_FIELDS if f.lower() == name.lower()), None)
        if field is None:
            raise _no_column(name, "Name")
        return f"{reference.relationship}.{field}"
    parent = objects(reference.reference_to[0])
    if parent is None:
        raise _no_column(name, reference.reference_to[0])
    return f"{reference.relationship}.{_field(parent, name).name}"


def _field(obj: ObjectDef, name: str) -> FieldDef:
    found = obj.field(name)
    if found is None:
        raise _no_column(name, obj.name)
    return found


def _no_column(name: str, entity: str) -> ApiError:
    return ApiError(
        400,
        "INVALID_FIELD",
        f"No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, "
        "be sure to append the '__c' after the custom field name. Please reference your WSDL or the "
        "describe call for the appropriate names.",
    )


def _value_of(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda record: record[name]
