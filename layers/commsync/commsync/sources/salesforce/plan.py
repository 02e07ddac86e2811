"""What the source reads of an object and the role of each field, checked against describe.

Configured fields are validated by API name before any query, so a typo fails with a message
that names the option and the field, not with a SOQL error halfway through a backfill.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from commsync.errors import IntegrationError
from commsync.models.salesforce import SalesforceOptions
from commsync.sources.salesforce.relations import parent_field
from commsync.sources.salesforce.schema import Describe, FieldInfo, ObjectSchema

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
# Describe types that hold free text a comment's body can be made of.
TEXT_TYPES = frozenset({"textarea", "string"})


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


def plan_for(schema: ObjectSchema, options: SalesforceOptions, describe: Describe) -> SyncPlan:
    """`describe` reads a parent object's schema, for fields named through a relationship."""
    missing = [name for name in SYSTEM_FIELDS if schema.field(name) is None]
    if missing:
        raise IntegrationError(
            f"{schema.name} cannot be synced incrementally: describe lists no {', '.join(missing)}"
        )
    properties = _configured(schema, options, "property_fields", describe)
    if schema.name == EMAIL_OBJECT:
        present = [info for name in EMAIL_FIELDS if (info := schema.field(name)) is not None]
        return SyncPlan(schema, properties=properties, email=present)
    subjects = _configured(schema, options, "subject_fields", describe) or _first_present(
        schema, DEFAULT_SUBJECTS
    )
    bodies = _configured(schema, options, "body_fields", describe) or _first_present(schema, DEFAULT_BODIES)
    if not bodies:
        raise IntegrationError(_no_body(schema))
    senders = _configured(schema, options, "from_fields", describe)
    return SyncPlan(
        schema,
        subject=subjects[0] if subjects else None,
        bodies=bodies,
        sender=senders[0] if senders else None,
        properties=properties,
    )


def _configured(
    schema: ObjectSchema, options: SalesforceOptions, role: str, describe: Describe
) -> list[FieldInfo]:
    found = []
    for name in options.fields_of(role, schema.name):
        if "." in name:
            found.append(parent_field(schema, role, name, describe))
            continue
        info = schema.field(name)
        if info is None:
            raise IntegrationError(
                f"options.{role}: {schema.name} has no field {name!r} (describe lists no such API name; "
                "custom fields end in __c, and the user needs field-level access)"
            )
        found.append(info)
    return found


def _no_body(schema: ObjectSchema) -> str:
    """Issue 19: a custom object matches none of the default body fields; synced anyway, every
    comment would be empty. Say which fields could hold its text."""
    texts = [f.name for f in schema.fields.values() if f.type in TEXT_TYPES and f.name not in SYSTEM_FIELDS]
    texts.sort(key=lambda name: (schema.fields[name.lower()].type != "textarea", name.lower()))
    hint = f"its text fields: {', '.join(texts)}" if texts else "describe lists no text field on it"
    return (
        f"options.body_fields names no field of {schema.name}, and it has none of "
        f"{', '.join(DEFAULT_BODIES)}; name the field(s) that hold its text, e.g. "
        f'body_fields = "{schema.name}.{texts[0] if texts else "Field__c"}" ({hint})'
    )


def _first_present(schema: ObjectSchema, names: tuple[str, ...]) -> list[FieldInfo]:
    return next(([info] for name in names if (info := schema.field(name)) is not None), [])
