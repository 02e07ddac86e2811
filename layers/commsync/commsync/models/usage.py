"""AI units: one per created comment and per text-changing update (docs/architecture.md#the-comment)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from commsync.models.common import DomainModel


def usage_period(at: datetime) -> str:
    """Usage is counted per calendar month (UTC)."""
    return at.strftime("%Y-%m")


class Usage(DomainModel):
    project: str
    period: str = Field(pattern=r"^\d{4}-\d{2}$")
    ai_units: int = Field(default=0, ge=0)
