"""Poller Lambda: one mailbox per SQS record, partial batch responses (Powertools batch)."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync.adapters.aws import build_aws_engine
from commsync.engine import Engine
from commsync.models import PollJob
from commsync.models.job import JobReason
from commsync.observability import logger, metrics, tracer
from commsync.services.poll import PollLimits, poll
from commsync.settings import poller_settings

SETTINGS = poller_settings()
LIMITS = PollLimits(
    page_size=SETTINGS.page_size,
    lease_seconds=SETTINGS.lease_seconds,
    reserve_seconds=SETTINGS.reserve_seconds,
)
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def engine() -> Engine:
    return build_aws_engine(SETTINGS)


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> str:
    job = PollJob.model_validate_json(record.body)  # a bad body fails this record only, then dead-letters

    def remaining() -> float:
        return lambda_context.get_remaining_time_in_millis() / 1000

    if remaining() < LIMITS.reserve_seconds:
        # Earlier records used the invocation's time: hand this mailbox to the next invocation.
        engine().queue.send([job.model_copy(update={"reason": JobReason.CONTINUATION})])
        return "deferred"
    outcome = poll(engine(), job, remaining_seconds=remaining, limits=LIMITS)
    metrics.add_metric(name="CommentsCreated", unit=MetricUnit.Count, value=outcome.counts.created)
    metrics.add_metric(name=f"Poll{outcome.status.value.title()}", unit=MetricUnit.Count, value=1)
    return outcome.status.value


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
