"""Fields of a parent record, named `Relationship.Field` (SOQL child-to-parent dot notation).

SOQL reference, "Understanding Relationship Names": a reference field's describe gives the
`relationshipName` to traverse (Account for AccountId, Parent for EmailMessage.ParentId, `Foo__r`
for a custom `Foo__c`) and `referenceTo`, the objects it may point to. One level is read; the
query answers a nested record (`"Account": {"attributes": ..., "Name": ...}`) or null when the
reference is empty.

A polymorphic reference (several `referenceTo`, e.g. Case.Owner: Group or User) is traversed
through the Name object (Object Reference, "Name"), so only the Name object's fields can be named.
"""

from __future__ import annotations

from typing import Any

from commsync.errors import IntegrationError
from commsync.sources.salesforce.schema import Describe, FieldInfo, ObjectSchema

# Object Reference, "Name": the fields a polymorphic relationship can reach, with their types.
NAME_OBJECT_FIELDS = {
    "Alias": "string",
    "Email": "email",
    "FirstName": "string",
    "Id": "id",
    "IsActive": "boolean",
    "LastName": "string",
    "Name": "string",
    "NameOrAlias": "string",
    "Phone": "phone",
    "ProfileId": "reference",
    "RecordTypeId": "reference",
    "Title": "string",
    "Type": "picklist",
    "UserRoleId": "reference",
    "Username": "string",
}


def parent_field(schema: ObjectSchema, role: str, path: str, describe: Describe) -> FieldInfo:
    """The FieldInfo of `Relationship.Field`, checked against describe of both objects."""
    relationship, _, name = path.partition(".")
    reference = schema.reference(relationship)
    if reference is None or reference.relationship is None or not reference.reference_to:
        known = sorted(f.relationship for f in schema.fields.values() if f.relationship)
        raise IntegrationError(
            f"options.{role}: {schema.name} has no relationship {relationship!r} in {schema.name}.{path} "
            f"(describe names these: {', '.join(known) or 'none'}; a custom one ends in __r)"
        )
    if len(reference.reference_to) > 1:
        return _polymorphic(schema, role, reference, name)
    parent = describe(reference.reference_to[0])
    target = parent.field(name)
    if target is None:
        raise IntegrationError(
            f"options.{role}: {schema.name}.{path}: {schema.name}.{reference.relationship} points to "
            f"{parent.name}, which has no field {name!r} (describe lists no such API name)"
        )
    return FieldInfo(
        f"{reference.relationship}.{target.name}",
        f"{reference.relationship} {target.label}",
        target.type,
        target.html,
    )


def _polymorphic(schema: ObjectSchema, role: str, reference: FieldInfo, name: str) -> FieldInfo:
    canonical = next((f for f in NAME_OBJECT_FIELDS if f.lower() == name.lower()), None)
    if canonical is None:
        raise IntegrationError(
            f"options.{role}: {schema.name}.{reference.relationship}.{name}: {reference.relationship} may "
            f"point to {', '.join(reference.reference_to)}, so only fields of the Name object can be "
            f"read through it ({', '.join(NAME_OBJECT_FIELDS)})"
        )
    return FieldInfo(
        f"{reference.relationship}.{canonical}",
        f"{reference.relationship} {canonical}",
        NAME_OBJECT_FIELDS[canonical],
    )


def field_value(record: dict[str, Any], name: str) -> Any:
    """A field of the record, or of its parent for `Relationship.Field` (None when there is none)."""
    relationship, _, field = name.partition(".")
    if not field:
        return record.get(name)
    parent = record.get(relationship)
    return parent.get(field) if isinstance(parent, dict) else None
