"""On-demand sync filters (issue 10): keys `category`, `after`, `before`, `from`, `has`, nested
with `AND` / `OR`; a folder is chosen by name beside them.

Each term is accepted in two forms (issue 19): the short `{"category": "Test"}` and the form
Carbon's Outlook connector documents, `{"key": "category", "value": "Test"}`. A term remembers
its form and is written back in it, so a caller reads its filters as it wrote them.

The API validates them and carries them in the poll job now; evaluating them (pushed down to
Graph's $filter where possible, locally otherwise) arrives with the Graph source (issue 10).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from commsync.models.common import DomainModel

# Deep nesting says nothing a flat AND/OR cannot, and unbounded depth is a cheap way to exhaust a handler.
MAX_DEPTH = 6
KEYS = ("category", "after", "before", "from", "has")


def from_carbon(raw: dict[str, Any]) -> dict[str, Any]:
    """{"key": k, "value": v} (Carbon's Outlook connector docs) -> {k: v}; anything else refused."""
    if set(raw) != {"key", "value"}:
        raise ValueError('a filter term in the key/value form is exactly {"key": ..., "value": ...}')
    key, value = raw["key"], raw["value"]
    if key not in KEYS:
        raise ValueError(f"key must be one of {', '.join(KEYS)}")
    if not isinstance(value, str):
        raise ValueError("value must be a string")
    return {key: value}


class FilterTerm(DomainModel):
    """Exactly one key, e.g. {"category": "Customer"}, {"after": "2024/03/01"}, {"has": "attachment"}."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    category: str | None = Field(default=None, min_length=1, max_length=255)
    after: str | None = Field(default=None, description="YYYY/MM/DD, received on or after (UTC)")
    before: str | None = Field(default=None, description="YYYY/MM/DD, received before (UTC)")
    from_: str | None = Field(default=None, alias="from", min_length=1, max_length=320)
    has: Literal["attachment"] | None = None
    # True when the caller wrote {"key": ..., "value": ...}; the term is serialised back that way.
    _carbon: bool = PrivateAttr(default=False)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The OpenAPI document names both forms, so clients generated from it accept Carbon's."""
        short = handler.resolve_ref_schema(handler(core_schema))
        carbon = {
            "type": "object",
            "title": "FilterTermKeyValue",
            "properties": {"key": {"enum": list(KEYS)}, "value": {"type": "string"}},
            "required": ["key", "value"],
            "additionalProperties": False,
            "examples": [{"key": "category", "value": "Test"}],
        }
        return {"anyOf": [short, carbon]}

    @model_validator(mode="wrap")
    @classmethod
    def _either_form(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> FilterTerm:
        carbon = isinstance(data, dict) and "key" in data
        try:
            term: FilterTerm = handler(from_carbon(data) if carbon else data)
        except ValidationError as exc:
            if not carbon:
                raise
            # The caller wrote `value`, not `after`: name the field they wrote.
            said = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise ValueError(f"value: {said}") from None
        term._carbon = carbon or (isinstance(data, FilterTerm) and data._carbon)
        return term

    @field_validator("after", "before")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                datetime.strptime(value, "%Y/%m/%d")
            except ValueError:
                raise ValueError("must be a date written YYYY/MM/DD") from None
        return value

    @model_serializer(mode="wrap")
    def _only_its_key(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        short = {k: v for k, v in handler(self).items() if v is not None}
        if self._carbon and len(short) == 1:
            ((key, value),) = short.items()
            return {"key": key, "value": value}
        return short

    @model_validator(mode="after")
    def _one_key(self) -> FilterTerm:
        if sum(getattr(self, name) is not None for name in type(self).model_fields) != 1:
            raise ValueError("a filter term has exactly one of category, after, before, from, has")
        return self


class FilterGroup(DomainModel):
    """{"AND": [...]} or {"OR": [...]}: every, or any, of the filters inside."""

    AND: list[SyncFilter] | None = Field(default=None, min_length=1, max_length=50)
    OR: list[SyncFilter] | None = Field(default=None, min_length=1, max_length=50)

    @model_serializer(mode="wrap")
    def _only_its_operator(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}

    @model_validator(mode="after")
    def _one_operator(self) -> FilterGroup:
        if (self.AND is None) == (self.OR is None):
            raise ValueError("a filter group has exactly one of AND, OR")
        return self


def _shape(raw: Any) -> str:
    if isinstance(raw, FilterGroup) or (isinstance(raw, dict) and ("AND" in raw or "OR" in raw)):
        return "group"
    return "term"


# A callable discriminator picks the branch up front, so an error names one path, not both guesses.
SyncFilter = Annotated[
    Annotated[FilterTerm, Tag("term")] | Annotated[FilterGroup, Tag("group")], Discriminator(_shape)
]
FilterGroup.model_rebuild()


def filter_depth(raw: Any) -> int:
    """Nesting depth of a raw filter document, measured before pydantic descends into it."""
    if isinstance(raw, dict):
        return 1 + max((filter_depth(v) for v in raw.values()), default=0)
    if isinstance(raw, list):
        return max((filter_depth(v) for v in raw), default=0)
    return 0
