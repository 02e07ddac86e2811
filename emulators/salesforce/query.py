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
from datetime import datetime
from typing import Any

from emulators.salesforce.errors import ApiError
from emulators.salesforce.schema import DATETIME_TYPES, NUMERIC_TYPES, FieldDef, ObjectDef
from emulators.salesforce.soql import Condition, Query
from emulators.salesforce.values import to_wire

# Object Reference, "Name": what a polymorphic relationship can read.
NAME_OBJECT_FIELDS = (
    *("Alias", "Email", "FirstName", "Id", "IsActive", "LastName", "Name", "NameOrAlias", "Phone"),
    *("ProfileId", "RecordTypeId", "Title", "Type", "UserRoleId", "Username"),
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a is not None and b is not None and a < b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
    "IN": lambda a, b: a in b,
}

ObjectLookup = Callable[[str], ObjectDef | None]  # an object of the org by name
RecordLookup = Callable[[str], tuple[ObjectDef, dict[str, Any]] | None]  # a record of the org by id


def bind(query: Query, obj: ObjectDef, objects: ObjectLookup) -> Query:
    """Field names made canonical; unknown fields and mistyped literals answer INVALID_FIELD."""
    fields = [
        _parent_path(obj, name, objects) if "." in name else _field(obj, name).name for name in query.fields
    ]
    where = [_typed_condition(obj, c) for c in query.where]
    order = []
    for item in query.order:
        found = _field(obj, item.field)
        if found.type == "textarea":
            raise ApiError(400, "INVALID_FIELD", f"field '{found.name}' can not be sorted in a query call")
        order.append(replace(item, field=found.name))
    return Query(fields, obj.name, where, order, query.limit)


def run(query: Query, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A bound query over records: filter, stable multi-key sort, limit (whole records, unprojected)."""
    selected = [r for r in records if all(_OPS[c.op](r.get(c.field), c.value) for c in query.where)]
    for item in reversed(query.order):
        present = [r for r in selected if r.get(item.field) is not None]
        absent = [r for r in selected if r.get(item.field) is None]
        present.sort(key=_value_of(item.field), reverse=item.descending)
        selected = present + absent if item.nulls_last else absent + present
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


def _typed_condition(obj: ObjectDef, condition: Condition) -> Condition:
    found = _field(obj, condition.field)
    if found.type == "textarea":
        raise ApiError(400, "INVALID_FIELD", f"field '{found.name}' can not be filtered in a query call")
    expected = (
        datetime
        if found.type in DATETIME_TYPES
        else float
        if found.type in NUMERIC_TYPES
        else bool
        if found.type == "boolean"
        else str
    )
    values = condition.value if condition.op == "IN" else (condition.value,)
    for value in values:
        if value is not None and not isinstance(value, expected):
            kind = {datetime: "dateTime", float: "number", bool: "boolean", str: "string"}[expected]
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"value of filter criterion for field '{found.name}' must be of type {kind}"
                + (" and should not be enclosed in quotes" if expected is not str else ""),
            )
    return replace(condition, field=found.name)


def _value_of(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda record: record[name]
