"""A notification subscription of one integration (docs/architecture.md#failure-classes: view includes
being notified)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from commsync.models.common import DomainModel, UtcDatetime


class SubscriptionProtocol(StrEnum):
    # The SNS protocols that make sense for people and bots; SNS confirms email and https first.
    EMAIL = "email"
    EMAIL_JSON = "email-json"
    HTTPS = "https"
    SQS = "sqs"


class Subscription(DomainModel):
    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    integration: str
    protocol: SubscriptionProtocol
    endpoint: str = Field(min_length=3, max_length=2048)
    # The SNS subscription ARN on AWS; None in local mode, where the log notifier stands in.
    external_id: str | None = None
    created_at: UtcDatetime
