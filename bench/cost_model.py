"""One month of issue 17's load, priced line by line (bench/prices.json; docs/cost.md explains it).

The counts come from bench/cost.py's measurements: an idle poll of a 20-folder mailbox, and the
difference one new email makes to a poll. Everything else here is arithmetic on the load, and
each assumption that is not measured is a named field of `Load`, with its reason.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field, fields
from statistics import median as _median

from bench.aws_meter import READS, WRITES, Metered
from bench.common import ROOT

MONTH_SECONDS = 30 * 86400
PRICES = json.loads((ROOT / "bench" / "prices.json").read_text())


@dataclass
class Sample:
    calls: Counter[str]
    aws_calls: float
    dynamodb_reads: float
    dynamodb_writes: float
    read_units: float
    write_units: float
    server_requests: float
    cpu_seconds: float
    created: float = 0

    @classmethod
    def of(cls, metered: Metered, server_requests: int, cpu: float, created: int) -> Sample:
        return cls(
            calls=Counter(metered.calls),
            aws_calls=metered.total(),
            dynamodb_reads=metered.dynamodb(READS),
            dynamodb_writes=metered.dynamodb(WRITES),
            read_units=metered.read_units,
            write_units=metered.write_units,
            server_requests=server_requests,
            cpu_seconds=cpu,
            created=created,
        )

    @classmethod
    def median(cls, samples: list[Sample]) -> Sample:
        numbers = {
            f.name: _median(getattr(s, f.name) for s in samples) for f in fields(cls) if f.name != "calls"
        }
        return cls(calls=samples[len(samples) // 2].calls, **numbers)

    def minus(self, other: Sample) -> Sample:
        calls = Counter(self.calls)
        calls.subtract(other.calls)
        numbers = {
            f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self) if f.name != "calls"
        }
        return Sample(calls=+calls, **numbers)


@dataclass(frozen=True)
class Load:
    latency_s: float
    aws_s: float
    memory_mb: int
    mailboxes: int = 10_000
    interval_s: int = 300
    emails_per_mailbox_day: int = 50
    batch: int = 10  # BatchSize: one invocation polls ten mailboxes at once
    # Not measured here: assumptions, each with its reason.
    integrations: int = 10  # one secret each; the load is 10 tenants of 1,000 mailboxes
    containers: int = 10  # PollerMaxConcurrency: warm poller containers, each with its caches
    secret_max_age_s: int = 300
    integration_max_age_s: int = 60
    mailbox_row_bytes: int = 1_500  # config + state documents, as the adapters write them
    index_row_bytes: int = 600  # one comment index row (dynamodb_state._entry_attrs)
    stored_bytes_per_email: int = 40_000  # raw MIME (mailgen's 20 KB, typical 30 KB) + comment
    log_bytes_per_invocation: int = 400  # Lambda's START/END/REPORT lines
    log_bytes_per_email: int = 500  # the "polled" line of a poll that created something
    dispatcher_memory_mb: int = 512
    dispatcher_cpu_s_per_mailbox: float = 0.0002  # computing a slot: a digest and a division


@dataclass(frozen=True)
class Measured:
    idle: Sample
    email: Sample


@dataclass
class Bill:
    emails: float
    polls: float
    lines: list[tuple[str, str, str, float]] = field(default_factory=list)

    def add(self, service: str, item: str, quantity: str, usd: float) -> None:
        self.lines.append((service, item, quantity, usd))

    @property
    def total(self) -> float:
        return sum(line[3] for line in self.lines)

    def by_service(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for service, _, _, usd in self.lines:
            out[service] = out.get(service, 0.0) + usd
        return out


def month(load: Load, m: Measured) -> Bill:
    polls = load.mailboxes * MONTH_SECONDS / load.interval_s
    emails = load.mailboxes * load.emails_per_mailbox_day * MONTH_SECONDS / 86400
    bill = Bill(emails=emails, polls=polls)
    _lambda(bill, load, m, polls, emails)
    _dynamodb(bill, load, m, polls, emails)
    _s3(bill, load, m, emails)
    _queue_and_rest(bill, load, polls, emails)
    return bill


def _share(memory_mb: int) -> float:
    """Lambda's CPU share: one vCPU at 1,769 MB, in proportion below (one Python process)."""
    return min(1.0, memory_mb / 1769)


def _lambda(bill: Bill, load: Load, m: Measured, polls: float, emails: float) -> None:
    gb, share = load.memory_mb / 1024, _share(load.memory_mb)
    idle = m.idle
    one = idle.server_requests * load.latency_s + idle.aws_calls * load.aws_s + idle.cpu_seconds / share
    # Ten mailboxes at once: the slowest one's waits, unless their CPU together takes longer.
    invocation = max(one, load.batch * idle.cpu_seconds / share)
    invocations = polls / load.batch
    bill.add(
        "Lambda",
        "poller idle time",
        f"{invocations:,.0f} x {invocation:.2f} s x {gb:g} GB",
        invocations * invocation * gb * PRICES["lambda_usd_per_gb_second"],
    )
    e = m.email
    extra = e.server_requests * load.latency_s + e.aws_calls * load.aws_s + e.cpu_seconds / share
    bill.add(
        "Lambda",
        "poller time per email",
        f"{emails:,.0f} x {extra:.2f} s x {gb:g} GB",
        emails * extra * gb * PRICES["lambda_usd_per_gb_second"],
    )
    runs = MONTH_SECONDS / load.interval_s
    pages = math.ceil(load.mailboxes * load.mailbox_row_bytes / 1e6)
    sends = math.ceil(load.mailboxes / 10)
    dispatch_s = (
        pages + sends + load.integrations
    ) * load.aws_s + load.mailboxes * load.dispatcher_cpu_s_per_mailbox
    bill.add(
        "Lambda",
        "dispatcher time",
        f"{runs:,.0f} x {dispatch_s:.1f} s x 0.5 GB",
        runs * dispatch_s * load.dispatcher_memory_mb / 1024 * PRICES["lambda_usd_per_gb_second"],
    )
    bill.add(
        "Lambda",
        "requests",
        f"{invocations + runs:,.0f}",
        (invocations + runs) / 1e6 * PRICES["lambda_usd_per_million_requests"],
    )


def _dynamodb(bill: Bill, load: Load, m: Measured, polls: float, emails: float) -> None:
    rru, wru = PRICES["dynamodb_usd_per_million_read_units"], PRICES["dynamodb_usd_per_million_write_units"]
    bill.add(
        "DynamoDB",
        "idle poll reads",
        f"{polls:,.0f} x {m.idle.read_units:g} RRU",
        polls * m.idle.read_units / 1e6 * rru,
    )
    bill.add(
        "DynamoDB",
        "idle poll writes",
        f"{polls:,.0f} x {m.idle.write_units:g} WRU",
        polls * m.idle.write_units / 1e6 * wru,
    )
    bill.add(
        "DynamoDB",
        "per email",
        f"{emails:,.0f} x ({m.email.read_units:g} RRU + {m.email.write_units:g} WRU)",
        emails * (m.email.read_units * rru + m.email.write_units * wru) / 1e6,
    )
    # services/mailbox_state.LAST_SYNC_REFRESH: "last sync" of an idle mailbox, once an hour.
    heartbeats = load.mailboxes * MONTH_SECONDS / 3600
    row_wru = math.ceil(load.mailbox_row_bytes / 1024)
    bill.add(
        "DynamoDB",
        "hourly last-sync refresh",
        f"{heartbeats:,.0f} x {row_wru} WRU",
        heartbeats * row_wru / 1e6 * wru,
    )
    refreshes = load.containers * load.integrations * MONTH_SECONDS / load.integration_max_age_s
    bill.add("DynamoDB", "integration reads (warm cache)", f"{refreshes:,.0f} x 1 RRU", refreshes / 1e6 * rru)
    runs = MONTH_SECONDS / load.interval_s
    listing = math.ceil(load.mailboxes * load.mailbox_row_bytes / 4096) * 0.5
    bill.add(
        "DynamoDB",
        "dispatcher listing (due-index)",
        f"{runs:,.0f} x {listing:,.0f} RRU",
        runs * listing / 1e6 * rru,
    )
    stored = emails * load.index_row_bytes / 1e9
    bill.add(
        "DynamoDB",
        "storage of the month's index rows",
        f"{stored:,.1f} GB",
        stored * PRICES["dynamodb_usd_per_gb_month"],
    )


def _s3(bill: Bill, load: Load, m: Measured, emails: float) -> None:
    puts = m.email.calls.get("s3:PutObject", 0) + m.email.calls.get("s3:CreateMultipartUpload", 0)
    gets = sum(
        n for op, n in m.email.calls.items() if op in ("s3:GetObject", "s3:HeadObject", "s3:ListObjectsV2")
    )
    bill.add(
        "S3",
        "PUT per email",
        f"{emails:,.0f} x {puts:g}",
        emails * puts / 1000 * PRICES["s3_usd_per_thousand_put"],
    )
    bill.add(
        "S3",
        "GET/HEAD per email",
        f"{emails:,.0f} x {gets:g}",
        emails * gets / 1000 * PRICES["s3_usd_per_thousand_get"],
    )
    stored = emails * load.stored_bytes_per_email / 1e9
    bill.add(
        "S3", "storage of the month's objects", f"{stored:,.0f} GB", stored * PRICES["s3_usd_per_gb_month"]
    )


def _queue_and_rest(bill: Bill, load: Load, polls: float, emails: float) -> None:
    # Per ten jobs: one SendMessageBatch (dispatcher), one ReceiveMessage and one
    # DeleteMessageBatch (the event source mapping); a job is ~300 bytes, one 64 KB chunk.
    requests = polls / load.batch * 3
    bill.add(
        "SQS",
        "FIFO send/receive/delete",
        f"{requests:,.0f}",
        requests / 1e6 * PRICES["sqs_fifo_usd_per_million_requests"],
    )
    calls = load.containers * load.integrations * MONTH_SECONDS / load.secret_max_age_s
    bill.add(
        "Secrets Manager",
        "secrets",
        f"{load.integrations}",
        load.integrations * PRICES["secretsmanager_usd_per_secret_month"],
    )
    bill.add(
        "Secrets Manager",
        "GetSecretValue (warm cache)",
        f"{calls:,.0f}",
        calls / 1e4 * PRICES["secretsmanager_usd_per_10k_calls"],
    )
    runs = MONTH_SECONDS / load.interval_s
    bill.add(
        "EventBridge",
        "scheduled dispatcher runs",
        f"{runs:,.0f}",
        runs * PRICES["eventbridge_usd_per_scheduled_invocation"],
    )
    logs = (polls / load.batch * load.log_bytes_per_invocation + emails * load.log_bytes_per_email) / 1e9
    bill.add(
        "CloudWatch Logs",
        "ingestion",
        f"{logs:,.1f} GB",
        logs * PRICES["cloudwatch_logs_usd_per_gb_ingested"],
    )


def print_table(bill: Bill) -> None:
    prices = f"{PRICES['region']} list prices of {PRICES['as_of']}"
    print(f"\ncost of one month ({bill.polls:,.0f} polls, {bill.emails:,.0f} emails), {prices}")
    width = max(len(line[1]) for line in bill.lines)
    for service, item, quantity, usd in bill.lines:
        print(f"  {service:<16} {item:<{width}}  {quantity:<44} ${usd:>10,.2f}")
    for service, usd in bill.by_service().items():
        print(f"  {'total ' + service:<{width + 17}}  {'':<44} ${usd:>10,.2f}")
    per_million = bill.total / (bill.emails / 1e6)
    print(
        f"  {'total':<{width + 17}}  {'':<44} ${bill.total:>10,.2f}  (${per_million:,.2f} per million emails)"
    )
