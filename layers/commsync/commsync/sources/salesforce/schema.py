"""An object's fields as its describe lists them (REST API, sObject Describe)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NUMBER_TYPES = {"double", "int", "currency", "percent", "long"}


@dataclass(frozen=True)
class FieldInfo:
    name: str  # an API name, or Relationship.Field for a parent record's field
    label: str
    type: str
    html: bool = False  # a rich text area: the value is HTML
    # Reference fields (describe): the parent's relationship name and the objects it may point to.
    relationship: str | None = None
    reference_to: tuple[str, ...] = ()
    calculated: bool = False  # a formula field: its value changes without SystemModstamp moving


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
                str(f["relationshipName"]) if f.get("relationshipName") else None,
                tuple(str(t) for t in f.get("referenceTo") or ()),
                bool(f.get("calculated")),
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

    def reference(self, relationship: str) -> FieldInfo | None:
        """The reference field whose describe `relationshipName` this is (Account for AccountId)."""
        wanted = relationship.lower()
        return next((f for f in self.fields.values() if (f.relationship or "").lower() == wanted), None)


Describe = Callable[[str], ObjectSchema]
