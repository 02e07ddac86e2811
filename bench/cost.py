"""Scenario cost: what one month of a customer's load costs on AWS at list prices.

Every AWS call of the poller's real adapters is counted on moto (botocore event hooks,
bench/aws_meter.py) while it polls the EWS emulator through exchangelib: an idle poll of a
mailbox with 1, 10 and 20 mail folders (after its first sync, in a warm container), a poll that
finds one new email (what a steady 50 emails a day mostly look like: one per poll), and a
dispatcher run. bench/cost_model.py multiplies them out to the load of issue 17 (10,000
mailboxes, 5-minute polls, 50 new emails per mailbox per day, 20 folders) with
bench/prices.json. Lambda time is modelled: each EWS request waits `--latency-ms` on the
server (default 50), each AWS call `--aws-ms` (default 10), and the CPU measured here is
stretched by the memory size's CPU share.

Run: `.venv/bin/python -m bench.cost [--latency-ms 50] [--memory-mb 1024] [--repeats R]`.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.aws_meter import AwsMeter
from bench.common import Scenario, command_line, finish, parser
from bench.cost_model import Load, Measured, Sample, month, print_table
from bench.cost_world import REGION, create_table, ews_world, folder_names, write_mailbox
from bench.mailgen import email_of_size

MODULE = "bench.cost"
ADDRESS = "ann.lee@contoso.example"
EMAILS_PROBED = 5


def main() -> None:
    parsed = parser(__doc__.splitlines()[0] if __doc__ else MODULE)
    parsed.add_argument("--latency-ms", type=float, default=50.0, help="server time per EWS request")
    parsed.add_argument("--aws-ms", type=float, default=10.0, help="time per AWS API call")
    parsed.add_argument("--memory-mb", type=int, default=1024, help="the poller's MemorySize")
    args = parsed.parse_args()
    argv = [
        "--latency-ms",
        str(args.latency_ms),
        "--memory-mb",
        str(args.memory_mb),
        "--repeats",
        str(args.repeats),
    ]
    scenario = Scenario("cost", command_line(MODULE, argv))
    from moto import mock_aws

    with mock_aws(), tempfile.TemporaryDirectory(prefix="bench-cost-") as tmp:
        import boto3

        boto3.setup_default_session(region_name=REGION)
        meter = AwsMeter()
        assert boto3.DEFAULT_SESSION is not None
        meter.install(boto3.DEFAULT_SESSION)
        table = create_table("bench-cost")
        idle = {n: _idle(meter, Path(tmp) / f"f{n}", table, n, args.repeats) for n in (1, 10, 20)}
        email = _one_new_email(meter, Path(tmp) / "email", table, 20)
    load = Load(latency_s=args.latency_ms / 1000, aws_s=args.aws_ms / 1000, memory_mb=args.memory_mb)
    measured = Measured(idle=idle[20], email=email)
    bill = month(load, measured)
    for n, sample in idle.items():
        scenario.add(f"idle_poll_aws_calls_{n}_folders", sample.aws_calls)
    twenty = idle[20]
    scenario.add("idle_poll_dynamodb_reads", twenty.dynamodb_reads, "<= 1", twenty.dynamodb_reads <= 1)
    scenario.add("idle_poll_dynamodb_writes", twenty.dynamodb_writes, "0", twenty.dynamodb_writes == 0)
    scenario.add("idle_poll_aws_calls", twenty.aws_calls)
    scenario.add("idle_poll_ews_http_requests", twenty.server_requests)
    scenario.add("idle_poll_cpu_ms", twenty.cpu_seconds * 1000)
    scenario.add("aws_calls_per_email", email.aws_calls)
    scenario.add("dynamodb_write_units_per_email", email.write_units)
    scenario.add("s3_puts_per_email", email.calls.get("s3:PutObject", 0))
    scenario.add("emails_per_month", bill.emails)
    scenario.add("usd_per_month_10k_mailboxes", bill.total)
    per_million = bill.total / (bill.emails / 1e6)
    scenario.add("usd_per_million_emails", per_million, "<= 30 (goal 15)", per_million <= 30)
    print_table(bill)
    for memory in (512, 768, 1769):
        other = month(Load(latency_s=load.latency_s, aws_s=load.aws_s, memory_mb=memory), measured)
        scenario.add(f"usd_per_million_emails_at_{memory}_mb", other.total / (other.emails / 1e6))
    scenario.notes.append(
        f"idle poll (20 folders) calls: {dict(twenty.calls)}; per email: {dict(email.calls)}"
    )
    scenario.notes.append(
        f"model: {args.latency_ms:g} ms per EWS request, {args.aws_ms:g} ms per AWS call, "
        f"{args.memory_mb} MB poller, prices of bench/prices.json; see docs/cost.md"
    )
    finish(scenario, args.emit)


def _poll(world: Any) -> Any:
    from commsync.models import MailboxRef, PollJob
    from commsync.services.poll import PollLimits, poll

    job = PollJob(
        mailbox=MailboxRef(integration=world.integration.key, address=ADDRESS), enqueued_at=datetime.now(UTC)
    )
    return poll(world.engine, job, remaining_seconds=lambda: 600.0, limits=PollLimits(page_size=100))


def _sample(meter: AwsMeter, world: Any) -> Sample:
    before = world.emulator.stats.snapshot()
    with meter.counting() as metered:
        cpu = time.thread_time()
        outcome = _poll(world)
        cpu = time.thread_time() - cpu - metered.inside_cpu
    after = world.emulator.stats.snapshot()
    # Every HTTP request waits on the server, NTLM's 401 legs of a new connection included.
    soap = after.get("http_requests", 0) - before.get("http_requests", 0)
    assert outcome.status.value == "done", outcome.error
    return Sample.of(metered, soap, max(cpu, 0.0), outcome.counts.created)


def _idle(meter: AwsMeter, work: Path, table: str, folders: int, repeats: int) -> Sample:
    write_mailbox(work / "data", ADDRESS, folder_names(folders), 2)
    with ews_world(work / "data", table, ADDRESS, f"idle{folders}") as world:
        _poll(world)  # the first sync and a cold container's reads: not an idle poll's
        samples = [_sample(meter, world) for _ in range(max(repeats, 1))]
    return Sample.median(samples)


def _one_new_email(meter: AwsMeter, work: Path, table: str, folders: int) -> Sample:
    """A poll that finds one new email, less an idle poll of the same mailbox: one email's cost."""
    write_mailbox(work / "data", ADDRESS, folder_names(folders), 2)
    with ews_world(work / "data", table, ADDRESS, "email") as world:
        _poll(world)
        idle = _sample(meter, world)
        found = []
        for n in range(EMAILS_PROBED):
            world.emulator.store.add(ADDRESS, "Inbox", email_of_size(10_000 + n, 20_000))
            found.append(_sample(meter, world))
    assert all(s.created == 1 for s in found), [s.created for s in found]
    return Sample.median(found).minus(idle)


if __name__ == "__main__":
    main()
