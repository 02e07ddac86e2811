"""Shared field types: names that end up in DynamoDB keys and S3 keys must be safe there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

# Lower-case slugs: they become parts of S3 keys and DynamoDB keys, so no '/', '#' or spaces.
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]


def _aware_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone (e.g. 2024-03-01T09:30:00Z)")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware_utc)]


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number of seconds, not true or false")
    return value


# Lax pydantic takes `true` for 1; JSON Schema's integer takes 60.0 for 60. A count of seconds
# accepts what the OpenAPI document says an integer is, and refuses booleans (issue 16).
WholeSeconds = Annotated[int, BeforeValidator(_not_a_bool)]


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_z(value: datetime) -> str:
    """RFC 3339 with a 'Z', second precision: the form every record and key uses."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DomainModel(BaseModel):
    """Strict about unknown fields so that a typo in a config or request is an error."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
