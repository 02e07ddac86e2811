"""Poller Lambda: the batch's mailboxes polled at once, partial batch responses (Powertools batch).

Records are grouped by message group (on the FIFO queue, the mailbox), each group worked in
order by one thread with Powertools' FIFO processor: a failure returns that record and the
rest of its group, and no other group's (design 3, issue 17).
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from commsync.adapters.aws import build_aws_engine
from commsync.engine import Engine
from commsync.models import PollJob
from commsync.models.job import JobReason
from commsync.observability import logger, metrics, tracer
from commsync.services.poll import PollLimits, PollOutcome, poll
from commsync.services.scratch import remove_leftovers
from commsync.settings import in_lambda, poller_settings

SETTINGS = poller_settings()
LIMITS = PollLimits(page_size=SETTINGS.page_size, reserve_seconds=SETTINGS.reserve_seconds)


@cache
def engine() -> Engine:
    return build_aws_engine(SETTINGS)


def _poll_record(record: SQSRecord, context: LambdaContext, outcomes: list[PollOutcome]) -> str:
    job = PollJob.model_validate_json(record.body)  # a bad body fails this record only, then dead-letters

    def remaining() -> float:
        return context.get_remaining_time_in_millis() / 1000

    if remaining() < LIMITS.reserve_seconds:
        # Earlier records used the invocation's time: hand this mailbox to the next invocation.
        engine().queue.send([job.model_copy(update={"reason": JobReason.CONTINUATION})])
        return "deferred"
    outcome = poll(engine(), job, remaining_seconds=remaining, limits=LIMITS)
    outcomes.append(outcome)  # list.append is atomic; metrics are added by the handler's thread
    return outcome.status.value


def _work_group(
    records: list[dict[str, Any]], context: LambdaContext, outcomes: list[PollOutcome]
) -> list[str]:
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    # A group is a part of the batch: its every record failing is a partial failure of the
    # batch, reported as such, not an exception that would return the other groups' records too.
    processor.raise_on_entire_batch_failure = False
    response = process_partial_response(
        event={"Records": records},
        record_handler=lambda record: _poll_record(record, context, outcomes),
        processor=processor,
    )
    return [str(failure["itemIdentifier"]) for failure in response["batchItemFailures"]]


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    if in_lambda():  # /tmp is this environment's alone; elsewhere it may be another process's
        remove_leftovers()  # of a killed invocation; none of this one's polls has started yet
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in event.get("Records", []):
        group = record.get("attributes", {}).get("MessageGroupId") or record["messageId"]
        groups[group].append(record)
    engine()  # built once, before the threads share it
    outcomes: list[PollOutcome] = []
    workers = max(1, min(SETTINGS.poll_threads, len(groups)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="poll") as pool:
        failed = pool.map(lambda records: _work_group(records, context, outcomes), groups.values())
        failures = [identifier for group in failed for identifier in group]
    for outcome in outcomes:
        metrics.add_metric(name="CommentsCreated", unit=MetricUnit.Count, value=outcome.counts.created)
        metrics.add_metric(name=f"Poll{outcome.status.value.title()}", unit=MetricUnit.Count, value=1)
    return {"batchItemFailures": [{"itemIdentifier": identifier} for identifier in failures]}
