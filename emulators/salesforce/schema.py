"""Objects and fields as describe reports them: the standard objects the source syncs, plus custom
objects declared in the data file. Names are case-insensitive in SOQL and URLs, as in Salesforce.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce.standard_objects import (
    COMPOUND_PARTS,
    COMPUTED_FIELDS,
    HTML_FIELDS,
    PICKLISTS,
    REFERENCES,
    STANDARD,
)

# Field types whose values are numbers in JSON (describe `type`).
NUMERIC_TYPES = frozenset({"double", "int", "currency", "percent", "long"})
DATETIME_TYPES = frozenset({"datetime"})
TEXT_TYPES = frozenset({"string", "textarea", "email", "phone", "url", "picklist", "id", "reference"})
# Compound fields (Address, Location): one JSON object of components in REST answers (compound.py).
COMPOUND_TYPES = frozenset({"address", "location"})
KNOWN_TYPES = NUMERIC_TYPES | DATETIME_TYPES | TEXT_TYPES | COMPOUND_TYPES | {"boolean", "date"}


_SOAP_TYPES = {
    **dict.fromkeys(("id", "reference"), "tns:ID"),
    **dict.fromkeys(("double", "currency", "percent"), "xsd:double"),
    **{"int": "xsd:int", "long": "xsd:long", "boolean": "xsd:boolean"},
    **{"datetime": "xsd:dateTime", "date": "xsd:date"},
}
# describe's recordTypeInfos of an org without record types: only the Master one.
MASTER_RECORD_TYPE = "012000000000000AAA"


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
    html: bool = False  # a rich text area (describe htmlFormatted)
    picklist: tuple[str, ...] = ()
    compound: str | None = None  # the compound field this is part of (Contact.FirstName: Name)
    computed: bool = False  # an autonumber or compound name: never createable or updateable

    def describe(self) -> dict[str, Any]:
        long_text = self.type == "textarea"
        writable = self.name not in SYSTEM_FIELD_NAMES and not self.computed and not self.calculated
        return {
            "name": self.name,
            "label": self.label or self.name,
            "type": self.type,
            "soapType": _SOAP_TYPES.get(self.type, "xsd:string"),
            "custom": self.custom,
            "calculated": self.calculated,
            "autoNumber": self.computed and self.name != "Name",
            "htmlFormatted": self.html,
            "extraTypeInfo": "richtextarea" if self.html else ("plaintextarea" if long_text else None),
            "length": 131072 if long_text else (18 if self.type in {"id", "reference"} else 255),
            "nillable": self.name != "Id" and self.type != "boolean",
            # Long text areas cannot be filtered or sorted in SOQL.
            "filterable": not long_text,
            "sortable": not long_text,
            "groupable": not long_text and self.type not in NUMERIC_TYPES | DATETIME_TYPES,
            "createable": writable,
            "updateable": writable,
            "idLookup": self.name == "Id",
            "nameField": self.name == "Name",
            "compoundFieldName": self.compound,
            "picklistValues": [
                {"active": True, "defaultValue": False, "label": v, "validFor": None, "value": v}
                for v in self.picklist
            ],
            "restrictedPicklist": False,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship,
            "polymorphicForeignKey": len(self.reference_to) > 1,
            "namePointing": len(self.reference_to) > 1,
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

    def summary(self, version: str) -> dict[str, Any]:
        """The object as the global describe (`/sobjects`) lists it."""
        base = f"/services/data/v{version}/sobjects/{self.name}"
        return {
            "name": self.name,
            "label": self.label,
            "labelPlural": self.label + "s",
            "keyPrefix": self.key_prefix,
            "custom": self.custom,
            "customSetting": False,
            **dict.fromkeys(("queryable", "replicateable", "retrieveable", "searchable"), True),
            **dict.fromkeys(("createable", "updateable", "deletable", "undeletable", "layoutable"), True),
            "urls": {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"},
        }

    def describe(self, version: str, children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """sObject Describe; `children` are the org's childRelationships of this object."""
        base = f"/services/data/v{version}/sobjects/{self.name}"
        master = {
            "active": True,
            "available": True,
            "defaultRecordTypeMapping": True,
            "developerName": "Master",
            "master": True,
            "name": "Master",
            "recordTypeId": MASTER_RECORD_TYPE,
            "urls": {"layout": f"{base}/describe/layouts/{MASTER_RECORD_TYPE}"},
        }
        return {
            **self.summary(version),
            "fields": [f.describe() for f in self.fields.values()],
            "childRelationships": children or [],
            "recordTypeInfos": [master],
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

STANDARD_OBJECTS = tuple(STANDARD)


def standard_object(name: str) -> ObjectDef | None:
    for api_name, (label, prefix, fields) in STANDARD.items():
        if api_name.lower() == name.lower():
            return _build(api_name, label, prefix, False, [_standard_field(api_name, *f) for f in fields])
    return None


def _standard_field(object_name: str, name: str, type_: str, label: str) -> FieldDef:
    key = (object_name, name)
    relationship, targets = REFERENCES.get(key, (None, ()))
    return FieldDef(
        name,
        type_,
        label,
        reference_to=targets,
        relationship=relationship,
        html=key in HTML_FIELDS,
        picklist=PICKLISTS.get(key, ()),
        compound=COMPOUND_PARTS.get(key),
        computed=key in COMPUTED_FIELDS,
    )


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
