"""On-demand sync filters (issue 10): keys `category`, `after`, `before`, `from`, `has`, nested
with `AND` / `OR`; a folder is chosen by name beside them.

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
    SerializerFunctionWrapHandler,
    Tag,
    field_validator,
    model_serializer,
    model_validator,
)

from commsync.models.common import DomainModel

# Deep nesting says nothing a flat AND/OR cannot, and unbounded depth is a cheap way to exhaust a handler.
MAX_DEPTH = 6


class FilterTerm(DomainModel):
    """Exactly one key, e.g. {"category": "Customer"}, {"after": "2024/03/01"}, {"has": "attachment"}."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    category: str | None = Field(default=None, min_length=1, max_length=255)
    after: str | None = Field(default=None, description="YYYY/MM/DD, received on or after (UTC)")
    before: str | None = Field(default=None, description="YYYY/MM/DD, received before (UTC)")
    from_: str | None = Field(default=None, alias="from", min_length=1, max_length=320)
    has: Literal["attachment"] | None = None

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
        return {k: v for k, v in handler(self).items() if v is not None}

    @model_validator(mode="after")
    def _one_key(self) -> FilterTerm:
        if len(self.model_dump(exclude_none=True)) != 1:
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
