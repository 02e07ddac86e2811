"""Settings: the only reader of os.environ.

Each Lambda gets one model of its environment, validated before the handler runs, so a
missing variable fails the cold start with its name instead of a KeyError mid-poll.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AwsSettings(BaseSettings):
    """What every function shares: where the state, blobs, queue, topic and secrets live."""

    model_config = SettingsConfigDict(env_prefix="COMMSYNC_", extra="ignore", frozen=True)

    table_name: str = Field(min_length=1)
    bucket_name: str = Field(min_length=1)
    queue_url: str = Field(min_length=1)
    topic_arn: str = Field(min_length=1)
    secret_prefix: str = "commsync/"  # noqa: S105  (a name prefix, not a secret)
    # AI units per project per month; 0 means no quota.
    ai_unit_quota: int = Field(default=0, ge=0)
    # docs/architecture.md#failure-classes: how persistent a failure must be before its integration or
    # mailbox is disabled.
    disable_after_failures: int = Field(default=3, ge=1)
    disable_after_minutes: float = Field(default=30.0, ge=0)
    # Issue 17: how long a warm container reuses a secret and an integration it read. A rotated
    # secret is read again at once anyway: an authentication failure drops the cached one.
    secret_max_age_seconds: int = Field(default=300, ge=0)
    integration_max_age_seconds: float = Field(default=60.0, ge=0)


class PollerSettings(AwsSettings):
    # Stop taking new pages when less than this much of the invocation is left (docs/architecture.md#flow).
    reserve_seconds: float = Field(default=30.0, ge=1.0)
    page_size: int = Field(default=100, ge=1, le=512)
    # Mailboxes of one SQS batch polled at once (issue 17): the invocation is billed for about
    # the slowest of them rather than their sum.
    poll_threads: int = Field(default=10, ge=1, le=10)


class DispatcherSettings(AwsSettings):
    # The schedule's rate: each run sends the slots of the window since the previous one.
    dispatch_window_seconds: int = Field(default=300, ge=60)


@lru_cache(maxsize=1)
def aws_settings() -> AwsSettings:
    return AwsSettings()  # values come from the environment


@lru_cache(maxsize=1)
def poller_settings() -> PollerSettings:
    return PollerSettings()


@lru_cache(maxsize=1)
def dispatcher_settings() -> DispatcherSettings:
    return DispatcherSettings()


def in_lambda() -> bool:
    """Inside a Lambda execution environment, whose /tmp no other process shares."""
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def tracing_enabled() -> bool:
    """X-Ray tracing only inside Lambda, and only unless Powertools' own switch turns it off."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "").strip().lower() in ("1", "true")
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ and not disabled


def local_secret_environment() -> dict[str, str]:
    """Local mode reads secrets from COMMSYNC_SECRET_<NAME>_<KEY> variables (see FileSecrets)."""
    return {k: v for k, v in os.environ.items() if k.startswith("COMMSYNC_SECRET_")}


def local_config_path() -> str | None:
    return os.environ.get("COMMSYNC_CONFIG")
