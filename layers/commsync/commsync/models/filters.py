"""On-demand sync filters (issue 10): keys `category`, `after`, `before`, `from`, `has`, nested
with `AND` / `OR`; a folder is chosen by name beside them.

Each term is accepted in two forms (issue 19): the short `{"category": "Test"}` and the form
Carbon's Outlook connector documents, `{"key": "category", "value": "Test"}`. The two are two
models, so a term is written back in the form its caller used and requests and responses share
one schema (issue 16).

The API validates them and carries them in the poll job now; evaluating them (pushed down to
Graph's $filter where possible, locally otherwise) arrives with the Graph source (issue 10).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from commsync.models.common import DomainModel

# Deep nesting says nothing a flat AND/OR cannot, and unbounded depth is a cheap way to exhaust a handler.
MAX_DEPTH = 6
# Every dict and list of the document counts: a filter is a few terms, not a data set (issue 16).
MAX_NODES = 500
# A day that exists, as a pattern, so that the document says exactly what the validator takes:
# years 0001-9999, each month's own length, and 02/29 in leap years only.
_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])/(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)/(?:0[1-9]|[12][0-9]|30)"
    r"|02/(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
DAY = rf"^(?:{_YEAR}/{_MONTH_DAY}|{_LEAP}/02/29)$"


def _unset(value: object) -> bool:
    return value is None


def _one_key_schema(schema: dict[str, Any]) -> None:
    """The document says what the validators enforce: one key, and its value never null."""
    schema.update(minProperties=1, maxProperties=1)
    for name, prop in schema.get("properties", {}).items():
        kept = [s for s in prop.get("anyOf", []) if s.get("type") != "null"]
        if len(kept) == 1:
            prop.pop("anyOf")
            prop.pop("default", None)
            schema["properties"][name] = {**kept[0], **prop}


def _no_nulls(data: Any) -> Any:
    if isinstance(data, dict) and any(v is None for v in data.values()):
        raise ValueError("a filter key needs a value, not null")
    return data


class FilterTerm(DomainModel):
    """Exactly one key, e.g. {"category": "Customer"}, {"after": "2024/03/01"}, {"has": "attachment"}."""

    # Its output is its input (the one key that is set): one schema for both, so a response
    # holding a filter validates against the document (issue 16), and exactly one key.
    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        serialize_by_alias=True,
        json_schema_mode_override="validation",
        json_schema_extra=_one_key_schema,
    )

    # Unset keys are left out of the output (exclude_if), so a term serialises to its one key.
    category: str | None = Field(default=None, min_length=1, max_length=255, exclude_if=_unset)
    after: str | None = Field(
        default=None, pattern=DAY, description="YYYY/MM/DD, received on or after (UTC)", exclude_if=_unset
    )
    before: str | None = Field(
        default=None, pattern=DAY, description="YYYY/MM/DD, received before (UTC)", exclude_if=_unset
    )
    from_: str | None = Field(default=None, alias="from", min_length=1, max_length=320, exclude_if=_unset)
    has: Literal["attachment"] | None = Field(default=None, exclude_if=_unset)

    # Before the field's own pattern check, so a wrong date gets these words, not the regex.
    @field_validator("after", "before", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                datetime.strptime(value, "%Y/%m/%d")
            except ValueError:
                raise ValueError("must be a date written YYYY/MM/DD") from None
            if not re.fullmatch(DAY, value):
                raise ValueError("must be a date written YYYY/MM/DD, month and day in two digits")
        return value

    _present = model_validator(mode="before")(_no_nulls)

    @model_validator(mode="after")
    def _one_key(self) -> FilterTerm:
        if len(self.model_dump(exclude_none=True)) != 1:
            raise ValueError("a filter term has exactly one of category, after, before, from, has")
        return self

    @property
    def term(self) -> FilterTerm:
        return self


TermKey = Literal["category", "after", "before", "from", "has"]


def _key_value_schema(schema: dict[str, Any]) -> None:
    """One branch per key, each with that key's own value rules, so the document says exactly
    which pairs are valid (a client generated from it never sends one the API refuses)."""
    # FilterTerm's own field rules, written out: its schema cannot be asked for while one is built.
    values: dict[str, dict[str, Any]] = {
        "category": {"type": "string", "minLength": 1, "maxLength": 255},
        "after": {"type": "string", "pattern": DAY, "description": "YYYY/MM/DD, received on or after (UTC)"},
        "before": {"type": "string", "pattern": DAY, "description": "YYYY/MM/DD, received before (UTC)"},
        "from": {"type": "string", "minLength": 1, "maxLength": 320},
        "has": {"const": "attachment", "type": "string"},
    }
    branches = [
        {
            "type": "object",
            "properties": {"key": {"const": key, "type": "string"}, "value": value},
            "required": ["key", "value"],
            "additionalProperties": False,
        }
        for key, value in values.items()
    ]
    title = schema.get("title", "FilterTermKeyValue")
    schema.clear()
    schema.update(title=title, oneOf=branches, examples=[{"key": "category", "value": "Test"}])


class FilterTermKeyValue(DomainModel):
    """{"key": "category", "value": "Test"}: a term as Carbon's Outlook connector documents it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_key_value_schema)

    key: TermKey
    value: str

    @model_validator(mode="before")
    @classmethod
    def _pair(cls, data: Any) -> Any:
        """Carbon's form in Carbon's words, before pydantic's own per-field wording."""
        if isinstance(data, dict):
            if set(data) != {"key", "value"}:
                raise ValueError('a filter term in the key/value form is exactly {"key": ..., "value": ...}')
            if data["key"] not in get_args(TermKey):
                raise ValueError(f"key must be one of {', '.join(get_args(TermKey))}")
            if not isinstance(data["value"], str):
                raise ValueError("value must be a string")
        return data

    @model_validator(mode="after")
    def _valid_term(self) -> FilterTermKeyValue:
        try:
            FilterTerm.model_validate({self.key: self.value})
        except ValidationError as exc:
            # The caller wrote `value`, not `after`: name the field they wrote.
            said = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
            raise ValueError(f"value: {said}") from None
        return self

    @property
    def term(self) -> FilterTerm:
        """The same term in the short form, which evaluation and Graph's $filter read."""
        return FilterTerm.model_validate({self.key: self.value})


class FilterGroup(DomainModel):
    """{"AND": [...]} or {"OR": [...]}: every, or any, of the filters inside."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        json_schema_mode_override="validation",
        json_schema_extra=_one_key_schema,
    )

    AND: list[SyncFilter] | None = Field(default=None, min_length=1, max_length=50, exclude_if=_unset)
    OR: list[SyncFilter] | None = Field(default=None, min_length=1, max_length=50, exclude_if=_unset)

    _present = model_validator(mode="before")(_no_nulls)

    @model_validator(mode="after")
    def _one_operator(self) -> FilterGroup:
        if (self.AND is None) == (self.OR is None):
            raise ValueError("a filter group has exactly one of AND, OR")
        return self


def _shape(raw: Any) -> str:
    if isinstance(raw, FilterGroup) or (isinstance(raw, dict) and ("AND" in raw or "OR" in raw)):
        return "group"
    if isinstance(raw, FilterTermKeyValue) or (isinstance(raw, dict) and "key" in raw):
        return "key-value"
    return "term"


# A callable discriminator picks the branch up front, so an error names one path, not both guesses.
SyncFilter = Annotated[
    Annotated[FilterTerm, Tag("term")]
    | Annotated[FilterTermKeyValue, Tag("key-value")]
    | Annotated[FilterGroup, Tag("group")],
    Discriminator(_shape),
]
FilterGroup.model_rebuild()


def filter_depth(raw: Any) -> int:
    """Nesting depth (dict levels) of a raw filter document, measured before pydantic descends into it.

    Iterative: a document nested thousands of levels deep must get a clear refusal, never a
    RecursionError (issue 16: such a row, once stored, could not be read back).
    """
    deepest, stack = 0, [(raw, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, depth + 1)
            stack += [(v, depth + 1) for v in node.values()]
        elif isinstance(node, list):
            stack += [(v, depth) for v in node]
        if deepest > MAX_DEPTH or len(stack) > MAX_NODES:
            break  # the verdict is known; do not walk the rest of a hostile document
    return deepest


def filter_nodes(raw: Any) -> int:
    """How many dicts and lists a raw filter document holds, counting stops past MAX_NODES."""
    count, stack = 0, [raw]
    while stack and count <= MAX_NODES:
        node = stack.pop()
        if isinstance(node, dict):
            count += 1
            stack += node.values()
        elif isinstance(node, list):
            count += 1
            stack += node
    return count


def _bounded(raw: Any) -> Any:
    if filter_depth(raw) > MAX_DEPTH:
        raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
    if filter_nodes(raw) > MAX_NODES:
        raise ValueError(f"more than {MAX_NODES} terms and groups")
    return raw


# What every stored or queued filter is (mailbox settings, poll jobs, sync requests): the bounds
# are checked on the raw document first, so no entry point can store a filter it cannot read back.
BoundedFilter = Annotated[SyncFilter, BeforeValidator(_bounded)]
