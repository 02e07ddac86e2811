"""Scenario 3, fan-out: the dispatcher over many configured mailboxes, few of them due, on moto.

The table is created from template.yaml's own StateTable properties (keys, the sparse
due-index), the state and queue adapters are the Lambda's (`build_aws_engine`), and every AWS
API call is counted with a botocore `before-call` hook on boto3's default session. docs/architecture.md#flow
wants the cost to follow the due mailboxes, not all of them: the same dispatch runs with
1,000 due of 10,000, 100 due of 10,000 and 100 due of 1,000.

The times are moto's (in-process `mock_aws`), which scans an index partition on every query,
so they say little about DynamoDB's latency; the call counts are what AWS bills.
Run: `.venv/bin/python -m bench.fanout [--mailboxes N] [--due D] [--repeats R]`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import ROOT, Scenario, command_line, finish, measured, median, parser

MODULE = "bench.fanout"
REGION = "eu-west-1"
MAILBOXES_PER_INTEGRATION = 100
INTERVAL_SECONDS = 7 * 24 * 3600  # the longest allowed: a dispatched mailbox is not due again here
T0 = datetime(2024, 6, 3, 8, 0, tzinfo=UTC)


def main() -> None:
    parsed = parser(__doc__.splitlines()[0] if __doc__ else MODULE)
    parsed.add_argument("--mailboxes", type=int, default=int(os.environ.get("BENCH_MAILBOXES", "10000")))
    parsed.add_argument("--due", type=int, help="due mailboxes (default: a tenth of them)")
    args = parsed.parse_args()
    args.due = args.due or max(1, args.mailboxes // 10)
    argv = ["--mailboxes", str(args.mailboxes), "--due", str(args.due), "--repeats", str(args.repeats)]
    scenario = Scenario("fan_out", command_line(MODULE, argv))
    _fake_aws_environment()
    from moto import mock_aws

    # A: the case asked for; B: a tenth of the due mailboxes; C: B's due count among a tenth of the
    # mailboxes. A vs B says whether the cost follows the due count, B vs C whether it ignores the
    # mailboxes that are not due: two pairs of distinct cases, whatever the sizes.
    fewer = max(1, args.due // 10)
    cases = [(args.mailboxes, args.due), (args.mailboxes, fewer), (max(fewer, args.mailboxes // 10), fewer)]
    by_total: dict[int, list[int]] = {}
    for total, due in dict.fromkeys(cases):
        by_total.setdefault(total, []).append(due)
    results: dict[tuple[int, int], Dispatched] = {}
    with mock_aws():
        counter = CallCounter()
        for total, dues in by_total.items():
            results.update(_dispatch_cases(counter, total, dues, args.repeats))
    for (total, due), run in results.items():
        label = f"{due}_due_of_{total}"
        scenario.add(f"{label}_aws_calls", run.calls)
        scenario.add(f"{label}_aws_calls_per_due", run.calls / due)
        scenario.add(f"{label}_dynamodb_items_read_per_due", run.items_read / due)
        scenario.add(f"{label}_jobs_sent", run.sent, f"= {due}")
        scenario.add(f"{label}_ms_on_moto", run.ms)
        scenario.add(f"{label}_ms_outside_aws_requests", run.own_ms)
        scenario.notes.append(f"{label}: {dict(sorted(run.per_operation.items()))}")
    many, few, few_of_fewer = (results[c].calls / c[1] for c in cases)
    # Proportional: the calls per due mailbox do not depend on how many mailboxes exist (within 10%).
    ratio = few / few_of_fewer
    scenario.add("calls_per_due_ratio_all_10x", ratio, "~1 (within 10%)", abs(ratio - 1) <= 0.1)
    scenario.add("calls_per_due_ratio_due_10x", many / few)
    scenario.notes.append(
        "ms_on_moto is moto's time (its SQS SendMessageBatch walks the whole queue on every message, "
        "so it grows with the square of the jobs); ms_outside_aws_requests is the dispatcher's own "
        "share, with botocore's request building"
    )
    finish(scenario, args.emit)


def _fake_aws_environment() -> None:
    # moto answers every call; no developer profile or real account may be reached.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",  # noqa: S106  (moto's placeholder, not a secret)
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        POWERTOOLS_LOG_LEVEL=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    )


class CallCounter:
    """Counts AWS API calls by operation, the DynamoDB items they read, and the time spent inside
    them (botocore events)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.inside = 0.0
        self.items_read = 0
        self._started = 0.0
        self.on = False

    def before(self, event_name: str, **kwargs: Any) -> None:
        if self.on:
            _, service, operation = event_name.split(".", 2)
            self.calls[f"{service}.{operation}"] += 1
            self._started = time.perf_counter()

    def after(self, event_name: str, **kwargs: Any) -> None:
        if self.on:
            self.inside += time.perf_counter() - self._started
            parsed = kwargs.get("parsed") or {}
            # Query and Scan bill what they examined (ScannedCount), not only what they returned.
            self.items_read += int(parsed.get("ScannedCount", 1 if "Item" in parsed else 0))
            for items in (parsed.get("Responses") or {}).values():
                self.items_read += len(items) if isinstance(items, list) else 0

    @contextmanager
    def counting(self) -> Iterator[Counter[str]]:
        self.calls, self.inside, self.items_read, self.on = Counter(), 0.0, 0, True
        try:
            yield self.calls
        finally:
            self.on = False


@dataclass
class Dispatched:
    calls: int
    sent: int
    ms: float
    own_ms: float
    per_operation: dict[str, int]
    items_read: int = 0


def _dispatch_cases(
    counter: CallCounter, total: int, dues: list[int], repeats: int
) -> dict[tuple[int, int], Dispatched]:
    import boto3

    from commsync.services.dispatch import dispatch

    # Registered before the clients exist: botocore copies a session's handlers into each client.
    boto3.setup_default_session(region_name=REGION)
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-call", counter.before)
    boto3.DEFAULT_SESSION.events.register("after-call", counter.after)
    table = _create_table(f"bench-{total}")
    make_due = _configure(_engine(table, "bench-setup"), table, total)
    out = {}
    for due in dues:
        runs = []
        # The call counts are the same on every run; moto's times are not AWS's: more runs only
        # for small cases, where they are cheap.
        for run in range(repeats if due <= 100 else 1):
            # A fresh queue per run: moto's SQS slows down with every message a queue holds.
            engine = _engine(table, f"bench-{total}-{due}-{run}")
            # Mailbox i falls due at T0 + i s, so a clock just before T0 + due s finds exactly `due`.
            engine.clock = lambda due=due: T0 + timedelta(seconds=due - 0.5)
            with counter.counting() as counted, measured() as clock:
                # A one-second window: the mailboxes are due by their one-off poll times here,
                # and a week-long interval's slot (issue 17) falls in it for none of them.
                result = dispatch(engine, window=timedelta(seconds=1))
            own_ms = (clock.wall - counter.inside) * 1000
            runs.append(
                Dispatched(
                    sum(counted.values()),
                    result.sent,
                    clock.wall * 1000,
                    own_ms,
                    dict(counted),
                    counter.items_read,
                )
            )
            make_due(range(due))
        out[(total, due)] = Dispatched(
            calls=int(median([r.calls for r in runs])),
            sent=int(median([r.sent for r in runs])),
            ms=median([r.ms for r in runs]),
            own_ms=median([r.own_ms for r in runs]),
            per_operation=runs[0].per_operation,
            items_read=int(median([r.items_read for r in runs])),
        )
    return out


def _engine(table: str, queue_name: str) -> Any:
    """The engine the dispatcher Lambda builds from its environment, on this table and a new queue."""
    import boto3

    from commsync.adapters.aws import build_aws_engine
    from commsync.settings import AwsSettings

    queue_url = str(boto3.client("sqs").create_queue(QueueName=queue_name)["QueueUrl"])
    settings = AwsSettings(
        table_name=table,
        bucket_name="bench-blobs",
        queue_url=queue_url,
        topic_arn=f"arn:aws:sns:{REGION}:123456789012:bench",
    )
    return build_aws_engine(settings)


def _create_table(name: str) -> str:
    """The state table exactly as template.yaml declares it."""
    import boto3
    from cfnlint.decode import cfn_yaml

    template = cfn_yaml.load(str(ROOT / "template.yaml"))
    properties = dict(template["Resources"]["StateTable"]["Properties"])
    # Not CreateTable parameters: CloudFormation applies these through other API calls, and the
    # dispatcher never meets them (TTL, backups, encryption at rest).
    for later in ("TimeToLiveSpecification", "PointInTimeRecoverySpecification", "SSESpecification"):
        properties.pop(later, None)
    boto3.client("dynamodb").create_table(TableName=name, **_plain(properties))
    return name


def _plain(value: Any) -> Any:
    # cfn_yaml returns its own dict/str subclasses; botocore's validator wants the plain types.
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if isinstance(value, bool | int | float) else str(value)


def _configure(engine: Any, table: str, total: int) -> Callable[[range], None]:
    """`total` mailboxes in integrations of 100; returns a function that makes a range of them due
    at T0 + index seconds again.

    The first mailbox of each integration goes through the state adapter, as the API writes it;
    the others are its stored item cloned with their own address and due time, written in
    batches of 25, because moto takes ~5 ms per call and 20,000 single writes would take
    minutes. Cloning what the adapter wrote keeps the item layout the adapter's own.
    """
    import boto3

    from commsync.models import Integration, Mailbox, MailboxState, SourceKind

    batch = boto3.resource("dynamodb").Table(table)
    models: dict[int, dict[str, Any]] = {}
    for group in range(0, (total + MAILBOXES_PER_INTEGRATION - 1) // MAILBOXES_PER_INTEGRATION):
        integration = Integration(
            project="acme",
            name=f"exchange-{group:03d}",
            kind=SourceKind.EWS,
            endpoint="https://mail.acme.example/EWS/Exchange.asmx",
            bucket="acme-mail",
            secret="acme-exchange",  # noqa: S106  (the secret's name, not its value)
        )
        engine.state.put_integration(integration)
        first = group * MAILBOXES_PER_INTEGRATION
        mailbox = Mailbox(
            integration=integration.key, address=_address(first), poll_interval_seconds=INTERVAL_SECONDS
        )
        engine.state.put_mailbox(mailbox)
        engine.state.save_mailbox_state(mailbox.ref, MailboxState(next_poll_at=_due_at(first)))
        key = {"pk": f"MAILBOXES#{integration.key}", "sk": mailbox.address}
        models[group] = batch.get_item(Key=key, ConsistentRead=True)["Item"]

    def make_due(indices: range) -> None:
        with batch.batch_writer() as writer:
            for n in indices:
                group = n // MAILBOXES_PER_INTEGRATION
                writer.put_item(Item=clone_item(models[group], group * MAILBOXES_PER_INTEGRATION, n))

    make_due(range(total))
    return make_due


def _address(n: int) -> str:
    return f"user{n:05d}@acme.example"


def _due_at(n: int) -> datetime:
    return T0 + timedelta(seconds=n)


def clone_item(item: dict[str, Any], first: int, n: int) -> dict[str, Any]:
    stamp, new_stamp = (_due_at(i).strftime("%Y-%m-%dT%H:%M:%S") for i in (first, n))

    def swap(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(_address(first), _address(n)).replace(stamp, new_stamp)
        return value

    return {key: swap(value) for key, value in item.items()}


if __name__ == "__main__":
    main()
