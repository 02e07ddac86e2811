"""Scenario dispatch_scale: one dispatcher run over 100,000 configured mailboxes, 10,000 of them due.

The state table is template.yaml's, the queue a FIFO queue, the engine the dispatcher Lambda's
(`build_aws_engine`), all on moto; every AWS call is counted (bench/aws_meter.py). The mailboxes
poll every 50 minutes and the run covers the schedule's 5 minutes, so a tenth of them fall due
in it (commsync.schedule: interval slots with a stable per-mailbox offset); which ones is
computed independently here, and the run must send exactly those, each once.

The seconds are moto's (in-process), so they bound the dispatcher's own work rather than say
what DynamoDB and SQS take; the calls are what AWS bills.
Run: `.venv/bin/python -m bench.dispatch_scale [--mailboxes N]`.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.aws_meter import AwsMeter
from bench.common import Scenario, command_line, finish, parser
from bench.cost_world import REGION, create_table

MODULE = "bench.dispatch_scale"
PER_INTEGRATION = 1000
INTERVAL = 3000  # 50 minutes: a 5-minute run finds a tenth due
WINDOW = timedelta(minutes=5)
RUN_AT = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)


def main() -> None:
    parsed = parser(__doc__.splitlines()[0] if __doc__ else MODULE)
    # `bench.run --quick` asks for a tenth of fan_out's mailboxes; the figure is 100,000.
    quick = os.environ.get("BENCH_MAILBOXES")
    parsed.add_argument("--mailboxes", type=int, default=int(quick) * 10 if quick else 100_000)
    args = parsed.parse_args()
    scenario = Scenario("dispatch_scale", command_line(MODULE, ["--mailboxes", str(args.mailboxes)]))
    from moto import mock_aws

    with mock_aws():
        import boto3

        boto3.setup_default_session(region_name=REGION)
        meter = AwsMeter()
        assert boto3.DEFAULT_SESSION is not None
        meter.install(boto3.DEFAULT_SESSION)
        table = create_table("bench-dispatch")
        drained = Drained()
        engine = _engine(table, drained)
        expected = _configure(engine, table, args.mailboxes)
        from commsync.services.dispatch import dispatch

        with meter.counting() as metered:
            started = time.perf_counter()
            result = dispatch(engine, until=RUN_AT, window=WINDOW)
            seconds = time.perf_counter() - started - drained.seconds
    sent = set(drained.keys) if len(set(drained.keys)) == len(drained.keys) else set()
    scenario.add("mailboxes", result.mailboxes)
    scenario.add("due", len(expected))
    scenario.add("jobs_sent", result.sent, "== due", result.sent == len(expected) and sent == expected)
    scenario.add("dispatcher_aws_calls", metered.total())
    scenario.add("dispatcher_send_message_batch_calls", metered.calls["sqs:SendMessageBatch"])
    scenario.add("dispatcher_query_calls", metered.calls["dynamodb:Query"])
    scenario.add("dispatcher_read_units", metered.read_units)
    scenario.add(
        "dispatcher_write_units", metered.write_units, "0 (no write per mailbox)", metered.write_units == 0
    )
    scenario.add("dispatcher_seconds", seconds)
    scenario.add("dispatcher_seconds_outside_aws_calls", seconds - metered.inside_seconds)
    scenario.notes.append(f"calls: {dict(metered.calls)}")
    spent = {op: round(seconds, 2) for op, seconds in metered.seconds_by_call.items()}
    scenario.notes.append(f"seconds inside moto per operation: {spent}")
    finish(scenario, args.emit)


class Drained:
    """What the bench took off the queue behind the dispatcher's back, and the time it took."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.seconds = 0.0


def _engine(table: str, drained: Drained) -> Any:
    import boto3

    from commsync.adapters.aws import build_aws_engine
    from commsync.adapters.aws.sqs_queue import SqsQueue
    from commsync.settings import DispatcherSettings

    # Outside the count (a session without the meter's hooks): the queue exists before the
    # run, and the Lambda service, not the dispatcher, receives and deletes.
    sqs = boto3.session.Session(region_name=REGION).client("sqs")
    attributes = {
        "FifoQueue": "true",
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
    }
    url = str(sqs.create_queue(QueueName="bench-dispatch.fifo", Attributes=attributes)["QueueUrl"])

    class DrainedQueue(SqsQueue):
        """The real adapter, its queue emptied after each send: moto walks every message of the
        account on each send, which would make 10,000 sends take an hour; the calls the
        dispatcher makes are the same."""

        def send(self, jobs: Any) -> None:
            super().send(jobs)
            started = time.perf_counter()
            drained.keys.extend(_drain(sqs, url))
            drained.seconds += time.perf_counter() - started

    settings = DispatcherSettings(
        table_name=table,
        bucket_name="unused",
        queue_url=url,
        topic_arn=f"arn:aws:sns:{REGION}:123456789012:x",
    )
    engine = build_aws_engine(settings)
    engine.queue = DrainedQueue(url, client=boto3.client("sqs"))
    return engine


def _drain(sqs: Any, url: str) -> list[str]:
    import json

    keys = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in batch:
            job = json.loads(message["Body"])["mailbox"]
            keys.append(f"{job['integration']}#{job['address']}")
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    return keys


def _configure(engine: Any, table: str, total: int) -> set[str]:
    """`total` mailboxes in integrations of 1,000, past their first poll; the keys due in the run.

    The first mailbox of each integration is written by the state adapter, as the API writes
    it; the others are copies of that item under their own address (a batch write), which
    takes seconds instead of the minutes 100,000 conditional puts take on moto.
    """
    import boto3

    from commsync.adapters.aws.dynamodb_mailboxes import NO_POLL_AT
    from commsync.models import Integration, Mailbox, MailboxState, SourceKind
    from commsync.schedule import due_slot

    batch = boto3.resource("dynamodb").Table(table)
    expected: set[str] = set()
    for group in range((total + PER_INTEGRATION - 1) // PER_INTEGRATION):
        integration = Integration(
            project="acme",
            name=f"exchange-{group:03d}",
            kind=SourceKind.EWS,
            endpoint="https://mail.acme.example/EWS/Exchange.asmx",
            bucket="acme-mail",
            secret="acme-exchange",  # noqa: S106  (the secret's name, not its value)
        )
        engine.state.put_integration(integration)
        address = f"user{group * PER_INTEGRATION:06d}@acme.example"
        first = Mailbox(integration=integration.key, address=address, poll_interval_seconds=INTERVAL)
        engine.state.put_mailbox(first)
        engine.state.save_mailbox_state(first.ref, MailboxState())
        model = batch.get_item(Key={"pk": f"MAILBOXES#{integration.key}", "sk": first.address})["Item"]
        with batch.batch_writer() as writer:
            for n in range(group * PER_INTEGRATION, min(total, (group + 1) * PER_INTEGRATION)):
                address = f"user{n:06d}@acme.example"
                config = first.model_copy(update={"address": address}).model_dump_json()
                writer.put_item(Item={**model, "sk": address, "config": config, "next_poll_at": NO_POLL_AT})
                key = f"{integration.key}#{address}"
                if due_slot(key, INTERVAL, RUN_AT - WINDOW, RUN_AT) is not None:
                    expected.add(key)
    return expected


if __name__ == "__main__":
    main()
