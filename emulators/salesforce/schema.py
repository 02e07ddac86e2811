"""Objects and fields as describe reports them: the standard objects the source syncs, plus custom
objects declared in the data file. Names are case-insensitive in SOQL and URLs, as in Salesforce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Field types whose values are numbers in JSON (describe `type`).
NUMERIC_TYPES = frozenset({"double", "int", "currency", "percent", "long"})
DATETIME_TYPES = frozenset({"datetime"})
TEXT_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "id", "reference"})
# Compound fields (Address, Location): one JSON object of components in REST answers (compound.py).
COMPOUND_TYPES = frozenset({"address", "location"})
KNOWN_TYPES = NUMERIC_TYPES | DATETIME_TYPES | TEXT_TYPES | COMPOUND_TYPES | {"boolean", "date"}


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    label: str = ""
    custom: bool = False
    # A reference field: the objects it may point to, and the relationship name that traverses it
    # (SOQL "Understanding Relationship Names": Account for AccountId, Foo__r for Foo__c).
    reference_to: tuple[str, ...] = ()
    relationship: str | None = None
    calculated: bool = False  # a formula field: computed on read, never moves SystemModstamp

    def describe(self) -> dict[str, Any]:
        long_text = self.type == "textarea"
        return {
            "name": self.name,
            "label": self.label or self.name,
            "type": self.type,
            "custom": self.custom,
            "length": 131072 if long_text else (18 if self.type in {"id", "reference"} else 255),
            "nillable": self.name != "Id",
            # Long text areas cannot be filtered or sorted in SOQL.
            "filterable": not long_text,
            "sortable": not long_text,
            "updateable": self.name not in SYSTEM_FIELD_NAMES,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship,
            "polymorphicForeignKey": len(self.reference_to) > 1,
            "namePointing": len(self.reference_to) > 1,
            "calculated": self.calculated,
        }


@dataclass
class ObjectDef:
    name: str
    label: str
    key_prefix: str
    custom: bool = False
    fields: dict[str, FieldDef] = field(default_factory=dict)  # lower-cased name -> field

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name.lower())

    def describe(self, version: str) -> dict[str, Any]:
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label + "s",
            "keyPrefix": self.key_prefix,
            "custom": self.custom,
            "queryable": True,
            "replicateable": True,
            "retrieveable": True,
            "deletable": True,
            "fields": [f.describe() for f in self.fields.values()],
            "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
        }


_SYSTEM = [
    FieldDef("Id", "id", "Record ID"),
    FieldDef("IsDeleted", "boolean", "Deleted"),
    FieldDef("CreatedDate", "datetime", "Created Date"),
    FieldDef("CreatedById", "reference", "Created By ID", reference_to=("User",), relationship="CreatedBy"),
    FieldDef("LastModifiedDate", "datetime", "Last Modified Date"),
    FieldDef(
        "LastModifiedById",
        "reference",
        "Last Modified By ID",
        reference_to=("User",),
        relationship="LastModifiedBy",
    ),
    FieldDef("SystemModstamp", "datetime", "System Modstamp"),
]
SYSTEM_FIELD_NAMES = frozenset(f.name for f in _SYSTEM)

# (label, key prefix, [(name, type, label)]) of the standard objects (Object Reference; EmailMessage
# as enabled by Email-to-Case or Enhanced Email).
_STANDARD: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "Case": (
        "Case",
        "500",
        [
            ("CaseNumber", "string", "Case Number"),
            ("Subject", "string", "Subject"),
            ("Description", "textarea", "Description"),
            ("Status", "picklist", "Status"),
            ("Priority", "picklist", "Priority"),
            ("Origin", "picklist", "Case Origin"),
            ("Type", "picklist", "Case Type"),
            ("Reason", "picklist", "Case Reason"),
            ("SuppliedEmail", "email", "Web Email"),
            ("SuppliedName", "string", "Web Name"),
            ("ContactEmail", "email", "Contact Email"),
            ("AccountId", "reference", "Account ID"),
            ("ContactId", "reference", "Contact ID"),
            ("OwnerId", "reference", "Owner ID"),
            ("IsClosed", "boolean", "Closed"),
            ("ClosedDate", "datetime", "Closed Date"),
        ],
    ),
    "EmailMessage": (
        "Email Message",
        "02s",
        [
            ("ParentId", "reference", "Parent Case ID"),
            ("RelatedToId", "reference", "Related To ID"),
            ("ActivityId", "reference", "Activity ID"),
            ("FromAddress", "email", "From Address"),
            ("FromName", "string", "From Name"),
            ("ToAddress", "string", "To Address"),
            ("CcAddress", "string", "CC Address"),
            ("BccAddress", "string", "BCC Address"),
            ("Subject", "string", "Subject"),
            ("TextBody", "textarea", "Text Body"),
            ("HtmlBody", "textarea", "HTML Body"),
            ("Headers", "textarea", "Headers"),
            ("MessageDate", "datetime", "Message Date"),
            ("Incoming", "boolean", "Is Incoming"),
            ("Status", "picklist", "Status"),
            ("MessageIdentifier", "string", "Message ID"),
            ("ThreadIdentifier", "string", "Thread ID"),
            ("HasAttachment", "boolean", "Has Attachment"),
        ],
    ),
    "Account": (
        "Account",
        "001",
        [
            ("Name", "string", "Account Name"),
            ("Industry", "picklist", "Industry"),
            ("Website", "url", "Website"),
            ("Description", "textarea", "Account Description"),
            ("OwnerId", "reference", "Owner ID"),
            ("ParentId", "reference", "Parent Account ID"),
        ],
    ),
    "Contact": (
        "Contact",
        "003",
        [
            ("FirstName", "string", "First Name"),
            ("LastName", "string", "Last Name"),
            ("Name", "string", "Full Name"),
            ("Email", "email", "Email"),
            ("Phone", "phone", "Business Phone"),
            ("AccountId", "reference", "Account ID"),
            ("OwnerId", "reference", "Owner ID"),
        ],
    ),
    "User": (
        "User",
        "005",
        [
            ("Username", "string", "Username"),
            ("FirstName", "string", "First Name"),
            ("LastName", "string", "Last Name"),
            ("Name", "string", "Full Name"),
            ("Email", "email", "Email"),
            ("Title", "string", "Title"),
            ("IsActive", "boolean", "Active"),
        ],
    ),
    "Group": (
        "Group",
        "00G",
        [("Name", "string", "Name"), ("Type", "picklist", "Type"), ("Email", "email", "Email")],
    ),
}

# (object, reference field) -> (relationship name, objects it may point to) (Object Reference).
_REFERENCES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("Case", "AccountId"): ("Account", ("Account",)),
    ("Case", "ContactId"): ("Contact", ("Contact",)),
    ("Case", "OwnerId"): ("Owner", ("Group", "User")),
    ("EmailMessage", "ParentId"): ("Parent", ("Case",)),
    ("EmailMessage", "RelatedToId"): ("RelatedTo", ("Account", "Case", "Contact")),
    ("Account", "OwnerId"): ("Owner", ("User",)),
    ("Account", "ParentId"): ("Parent", ("Account",)),
    ("Contact", "AccountId"): ("Account", ("Account",)),
    ("Contact", "OwnerId"): ("Owner", ("User",)),
}


STANDARD_OBJECTS = tuple(_STANDARD)


def standard_object(name: str) -> ObjectDef | None:
    for api_name, (label, prefix, fields) in _STANDARD.items():
        if api_name.lower() == name.lower():
            return _build(api_name, label, prefix, False, [_standard_field(api_name, *f) for f in fields])
    return None


def _standard_field(object_name: str, name: str, type_: str, label: str) -> FieldDef:
    relationship, targets = _REFERENCES.get((object_name, name), (None, ()))
    return FieldDef(name, type_, label, reference_to=targets, relationship=relationship)


def custom_object(name: str, label: str, key_prefix: str, fields: list[FieldDef]) -> ObjectDef:
    if not name.endswith("__c"):
        raise ValueError(f"custom object {name!r}: API names of custom objects end in __c")
    for f in fields:
        if not f.name.endswith("__c") and f.name != "Name":
            raise ValueError(f"{name}.{f.name}: API names of custom fields end in __c")
        if (f.type == "reference") != bool(f.reference_to):
            raise ValueError(f"{name}.{f.name}: a reference field, and only one, names reference_to")
    named = [FieldDef("Name", "string", f"{label} Name"), *(f for f in fields if f.name != "Name")]
    return _build(name, label, key_prefix, True, named)


def _build(name: str, label: str, prefix: str, custom: bool, fields: list[FieldDef]) -> ObjectDef:
    obj = ObjectDef(name, label, prefix, custom)
    for f in [*_SYSTEM, *fields]:
        obj.fields[f.name.lower()] = f
    return obj
