"""Scenario page_memory (issue 17): one page of 50 emails with 3 MB attachments through the poller.

The poller Lambda's own handler (functions/poller/app.py, with the environment the template's
names give it) polls one mailbox of the EWS emulator, with state, comments and the secret on
moto. Each runs in a process of its own: moto's server (which keeps every object it is sent in
memory) in this one, the emulator in a child, the handler in a fresh worker, so the worker's
RSS high-water mark (/proc's VmHWM) is the poller's alone. Each email is ~4 MB of MIME, so the
page is ~200 MB of email: without a byte budget the poller holds it whole (622 MB measured on
main before issue 17); the target is 256 MB, half the poller's MemorySize.
Run: `.venv/bin/python -m bench.page_memory [--emails 50] [--attachment-mb 3]`.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    Scenario,
    command_line,
    current_rss_mb,
    emit_worker_result,
    finish,
    parser,
    peak_rss_mb,
    run_worker,
)
from bench.emulator_process import SERVICE_PASSWORD, SERVICE_USER, EmulatorProcess

MODULE = "bench.page_memory"
MAILBOX = "ann.lee@contoso.example"
TARGET_MB = 256
REGION = "eu-west-1"
PROJECT, SECRET = "bench", "bench-exchange"


def main() -> None:
    args = _parser().parse_args()
    if args.worker:
        emit_worker_result(_work(Path(args.worker)))
        return
    argv = ["--emails", str(args.emails), "--attachment-mb", str(args.attachment_mb)]
    scenario = Scenario("page_memory", command_line(MODULE, argv))
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per moto request is not a figure
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        env = _aws_environment(f"http://{host}:{port}")
        os.environ.update(env)
        with tempfile.TemporaryDirectory(prefix="bench-page-") as tmp:
            email_bytes = _write_mailbox(Path(tmp) / "data", args.emails, args.attachment_mb)
            with EmulatorProcess(Path(tmp) / "data") as emulator:
                job = Path(tmp) / "job.json"
                env |= _stack(emulator.endpoint, job)
                before = emulator.stats()
                result = run_worker(MODULE, "--worker", str(job), env=env)
                served = emulator.delta(before)
    finally:
        moto.stop()
    scenario.add("emails", result["created"], f"= {args.emails}")
    scenario.add("attachment_mb", args.attachment_mb)
    scenario.add("page_email_mb", email_bytes / 2**20)
    scenario.add("peak_rss_mb", result["peak_rss_mb"], f"<= {TARGET_MB}")
    scenario.add("rss_after_imports_mb", result["rss_before_mb"])
    scenario.add("getitem_requests", served.get("op:GetItem", 0))
    scenario.add("sync_folder_items_requests", served.get("op:SyncFolderItems", 0))
    scenario.add("seconds", result["seconds"])
    scenario.notes.append(
        "the poller handler on moto (server mode, another thread of the bench process) and the EWS "
        "emulator in its own process; peak_rss_mb is the worker's VmHWM, imports included"
    )
    finish(scenario, args.emit)


def _write_mailbox(data: Path, emails: int, attachment_mb: int) -> int:
    """Emails with one incompressible attachment each (a scan, a zip); their total bytes."""
    folder = data / MAILBOX / "Inbox"
    folder.mkdir(parents=True)
    total = 0
    for n in range(emails):
        message = EmailMessage()
        message["From"] = "Bob Stone <bob.stone@contoso.example>"
        message["To"] = f"Ann Lee <{MAILBOX}>"
        message["Subject"] = f"Site survey {n}: scans"
        message["Date"] = format_datetime(datetime(2024, 5, 6, 9, n % 60, tzinfo=UTC))
        message["Message-ID"] = f"<survey-{n}@contoso.example>"
        message.set_content(f"Hi Ann,\n\nthe scans of site {n} are attached.\n\nBob\n")
        payload = random.Random(n).randbytes(attachment_mb * 2**20)
        message.add_attachment(payload, maintype="application", subtype="pdf", filename=f"site-{n}.pdf")
        raw = message.as_bytes()
        (folder / f"{n:03d}.eml").write_bytes(raw)
        total += len(raw)
    return total


def _aws_environment(endpoint: str) -> dict[str, str]:
    # moto answers every call; no developer profile or real account may be reached.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto's placeholder, not a secret
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "commsync-bench",
    }


def _stack(endpoint: str, job_file: Path) -> dict[str, str]:
    """The table (template.yaml's own properties), bucket, queue, topic and secret; one EWS mailbox
    configured through the services; its poll job written to `job_file`. Returns the poller's env."""
    import boto3

    from bench.fanout import _create_table
    from commsync.adapters.aws import build_aws_engine
    from commsync.models import Integration, Mailbox, MailboxRef, PollJob, SourceKind
    from commsync.services.manage import apply_integration, apply_mailbox
    from commsync.settings import AwsSettings

    suffix = uuid.uuid4().hex[:8]
    table = _create_table(f"bench-page-{suffix}")
    bucket = f"bench-page-{suffix}"
    boto3.client("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    queue_url = str(boto3.client("sqs").create_queue(QueueName=f"bench-page-{suffix}")["QueueUrl"])
    topic = str(boto3.client("sns").create_topic(Name=f"bench-page-{suffix}")["TopicArn"])
    boto3.client("secretsmanager").create_secret(
        Name=f"commsync/{SECRET}",
        SecretString=json.dumps({"username": SERVICE_USER, "password": SERVICE_PASSWORD}),
    )
    env = {
        "COMMSYNC_TABLE_NAME": table,
        "COMMSYNC_BUCKET_NAME": bucket,
        "COMMSYNC_QUEUE_URL": queue_url,
        "COMMSYNC_TOPIC_ARN": topic,
    }
    engine = build_aws_engine(
        AwsSettings(table_name=table, bucket_name=bucket, queue_url=queue_url, topic_arn=topic)
    )
    integration = Integration(
        project=PROJECT,
        name="exchange",
        kind=SourceKind.EWS,
        endpoint=endpoint,
        bucket=bucket,
        secret=SECRET,
        options={"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
    )
    apply_integration(engine, integration)
    apply_mailbox(engine, Mailbox(integration=integration.key, address=MAILBOX))
    job = PollJob(
        mailbox=MailboxRef(integration=integration.key, address=MAILBOX), enqueued_at=datetime.now(UTC)
    )
    job_file.write_text(job.model_dump_json())
    return env


class _Context:
    """The attributes of the Lambda Python runtime's context object the handler reads."""

    function_name = "PollerFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:PollerFunction"
    aws_request_id = str(uuid.uuid4())

    def __init__(self) -> None:
        self._deadline = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _work(job_file: Path) -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("poller_app", ROOT / "functions" / "poller" / "app.py")
    assert spec and spec.loader
    handler = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(handler)
    before = current_rss_mb()
    record = json.loads((ROOT / "events" / "sqs_poll.json").read_text())["Records"][0]
    record.update(messageId=str(uuid.uuid4()), body=job_file.read_text())
    started = time.perf_counter()
    response = handler.lambda_handler({"Records": [record]}, _Context())
    seconds = time.perf_counter() - started
    if response["batchItemFailures"]:
        raise RuntimeError(f"the poll failed: {response}")
    engine = handler.engine()
    job = json.loads(job_file.read_text())
    from commsync.models import MailboxRef

    found = engine.state.get_mailbox(MailboxRef.model_validate(job["mailbox"]))
    created = found[1].counts.created if found else 0
    return {"created": created, "rss_before_mb": before, "peak_rss_mb": peak_rss_mb(), "seconds": seconds}


def _parser() -> argparse.ArgumentParser:
    parsed = parser(__doc__.splitlines()[0] if __doc__ else MODULE)
    parsed.add_argument("--emails", type=int, default=50)
    parsed.add_argument("--attachment-mb", type=int, default=3)
    parsed.add_argument("--worker", help=argparse.SUPPRESS)
    return parsed


if __name__ == "__main__":
    main()
