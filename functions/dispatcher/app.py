"""Dispatcher Lambda: on the schedule, send one poll job per mailbox falling due in this run."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync.adapters.aws import build_aws_engine
from commsync.engine import Engine
from commsync.observability import logger, metrics, tracer
from commsync.services.dispatch import dispatch
from commsync.settings import dispatcher_settings

SETTINGS = dispatcher_settings()  # a missing variable fails the cold start, naming it


@cache
def engine() -> Engine:
    return build_aws_engine(SETTINGS)


def _scheduled_time(event: dict[str, Any]) -> datetime | None:
    """The run's own time from EventBridge: a late or repeated delivery covers the same window."""
    try:
        return datetime.fromisoformat(EventBridgeEvent(event).time.replace("Z", "+00:00"))
    except (KeyError, ValueError, AttributeError):
        return None


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    window = timedelta(seconds=SETTINGS.dispatch_window_seconds)
    result = dispatch(engine(), until=_scheduled_time(event), window=window)
    metrics.add_metric(name="MailboxesDispatched", unit=MetricUnit.Count, value=result.sent)
    metrics.add_metric(name="MailboxesSkipped", unit=MetricUnit.Count, value=result.skipped)
    return {"sent": result.sent, "skipped": result.skipped}
