"""What the source reads of an object, checked against its describe (sObject Describe).

Configured fields are validated by API name before any query, so a typo fails with a message
that names the option and the field, not with a SOQL error halfway through a backfill.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from commsync.errors import IntegrationError
from commsync.models.salesforce import SalesforceOptions

EMAIL_OBJECT = "EmailMessage"
# Every replicated object has these (system fields); the sync depends on them.
SYSTEM_FIELDS = ("Id", "SystemModstamp", "CreatedDate")
# EmailMessage fields that make the email; used when the org's describe lists them.
EMAIL_FIELDS = (
    "FromAddress",
    "FromName",
    "ToAddress",
    "CcAddress",
    "BccAddress",
    "Subject",
    "TextBody",
    "HtmlBody",
    "MessageDate",
    "ParentId",
    "MessageIdentifier",
    "Incoming",
    "Headers",
)
# Used for other objects when subject_fields / body_fields name nothing for them.
DEFAULT_SUBJECTS = ("Subject", "Name", "Title")
DEFAULT_BODIES = ("Description", "Body", "Comments")
NUMBER_TYPES = {"double", "int", "currency", "percent", "long"}


@dataclass(frozen=True)
class FieldInfo:
    name: str
    label: str
    type: str
    html: bool = False  # a rich text area: the value is HTML


@dataclass(frozen=True)
class ObjectSchema:
    name: str
    label: str
    replicateable: bool
    fields: dict[str, FieldInfo]  # lower-cased API name -> field

    @classmethod
    def from_describe(cls, body: dict[str, Any]) -> ObjectSchema:
        fields = {
            str(f["name"]).lower(): FieldInfo(
                str(f["name"]),
                str(f.get("label") or f["name"]),
                str(f.get("type", "string")),
                bool(f.get("htmlFormatted")),
            )
            for f in body.get("fields", [])
        }
        return cls(
            str(body["name"]),
            str(body.get("label") or body["name"]),
            bool(body.get("replicateable", True)),
            fields,
        )

    def field(self, name: str) -> FieldInfo | None:
        return self.fields.get(name.lower())


@dataclass(frozen=True)
class SyncPlan:
    """The fields to select and the role of each, for one object."""

    schema: ObjectSchema
    subject: FieldInfo | None = None
    bodies: list[FieldInfo] = field(default_factory=list)
    sender: FieldInfo | None = None
    properties: list[FieldInfo] = field(default_factory=list)
    email: list[FieldInfo] = field(default_factory=list)  # EmailMessage only

    @property
    def is_email(self) -> bool:
        return self.schema.name == EMAIL_OBJECT

    def select(self) -> list[str]:
        names = [*SYSTEM_FIELDS]
        roles = [*self.email, self.subject, *self.bodies, self.sender, *self.properties]
        for info in roles:
            if info is not None and info.name not in names:
                names.append(info.name)
        return names


def plan_for(schema: ObjectSchema, options: SalesforceOptions) -> SyncPlan:
    missing = [name for name in SYSTEM_FIELDS if schema.field(name) is None]
    if missing:
        raise IntegrationError(
            f"{schema.name} cannot be synced incrementally: describe lists no {', '.join(missing)}"
        )
    properties = _configured(schema, options, "property_fields")
    if schema.name == EMAIL_OBJECT:
        present = [info for name in EMAIL_FIELDS if (info := schema.field(name)) is not None]
        return SyncPlan(schema, properties=properties, email=present)
    subjects = _configured(schema, options, "subject_fields") or _first_present(schema, DEFAULT_SUBJECTS)
    bodies = _configured(schema, options, "body_fields") or _first_present(schema, DEFAULT_BODIES)
    senders = _configured(schema, options, "from_fields")
    return SyncPlan(
        schema,
        subject=subjects[0] if subjects else None,
        bodies=bodies,
        sender=senders[0] if senders else None,
        properties=properties,
    )


def _configured(schema: ObjectSchema, options: SalesforceOptions, role: str) -> list[FieldInfo]:
    found = []
    for name in options.fields_of(role, schema.name):
        info = schema.field(name)
        if info is None:
            raise IntegrationError(
                f"options.{role}: {schema.name} has no field {name!r} (describe lists no such API name; "
                "custom fields end in __c, and the user needs field-level access)"
            )
        found.append(info)
    return found


def _first_present(schema: ObjectSchema, names: tuple[str, ...]) -> list[FieldInfo]:
    return next(([info] for name in names if (info := schema.field(name)) is not None), [])
