"""The cost scenario's world: the template's state table, a FIFO poll queue, the bucket, the
topic and the secret on moto, the EWS emulator on loopback, and the poller's own engine.

Everything the Lambda uses is real: `build_aws_engine` from the poller's settings, and the
emulator spoken to by exchangelib. Only the clock of the outside world is modelled (bench/cost.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT
from bench.emulator_process import SERVICE_PASSWORD, SERVICE_USER
from bench.mailgen import email_of_size

REGION = "us-east-1"
PROJECT, NAME, BUCKET, SECRET = "bench", "exchange", "bench-mail", "exchange-svc"
STANDARD_FOLDERS = ["Inbox", "Sent Items", "Deleted Items", "Drafts", "Junk Email", "Outbox"]


@dataclass
class CostWorld:
    engine: Any
    emulator: Any
    table: str
    integration: Any


def folder_names(count: int) -> list[str]:
    """`count` mail folders as a mailbox has them: the standard ones, then the user's."""
    extra = [f"Inbox/Projects/P{n:02d}" for n in range(max(0, count - len(STANDARD_FOLDERS)))]
    return (STANDARD_FOLDERS + extra)[:count]


def write_mailbox(data: Path, address: str, folders: list[str], per_folder: int) -> None:
    n = 0
    for folder in folders:
        for _ in range(per_folder):
            path = data / address / folder / f"{n:05d}.eml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(email_of_size(n, 8_000))
            n += 1


def create_table(name: str) -> str:
    """The state table exactly as template.yaml declares it (keys, the sparse due-index)."""
    import boto3
    from cfnlint.decode import cfn_yaml

    template = cfn_yaml.load(str(ROOT / "template.yaml"))
    properties = dict(template["Resources"]["StateTable"]["Properties"])
    for later in ("TimeToLiveSpecification", "PointInTimeRecoverySpecification", "SSESpecification"):
        properties.pop(later, None)
    boto3.client("dynamodb").create_table(TableName=name, **_plain(properties))
    return name


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value if isinstance(value, bool | int | float) else str(value)


def poller_engine(table: str, tag: str) -> Any:
    """The engine the poller Lambda builds from its environment (template.yaml's values)."""
    import boto3

    from commsync.adapters.aws import build_aws_engine
    from commsync.settings import PollerSettings

    s3 = boto3.client("s3")
    if not any(b["Name"] == BUCKET for b in s3.list_buckets().get("Buckets", [])):
        s3.create_bucket(Bucket=BUCKET)
    queue = boto3.client("sqs").create_queue(
        QueueName=f"bench-{tag}.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    )["QueueUrl"]
    topic = boto3.client("sns").create_topic(Name="bench")["TopicArn"]
    settings = PollerSettings(
        table_name=table,
        bucket_name=BUCKET,
        queue_url=queue,
        topic_arn=topic,
        secret_max_age_seconds=300,
        integration_max_age_seconds=60,
    )
    return build_aws_engine(settings)


@contextmanager
def ews_world(data: Path, table: str, address: str, tag: str) -> Iterator[CostWorld]:
    from commsync.models import Integration, Mailbox, SourceKind
    from commsync.services.manage import apply_integration, apply_mailbox
    from emulators.ews import EwsEmulator
    from emulators.server import running

    emulator = EwsEmulator.from_directory(data, users={SERVICE_USER: SERVICE_PASSWORD})
    with running(emulator.server(port=0)) as server:
        engine = poller_engine(table, tag)
        engine.secrets.put(SECRET, {"username": SERVICE_USER, "password": SERVICE_PASSWORD})
        integration = Integration(
            project=PROJECT,
            name=f"{NAME}-{tag}",
            kind=SourceKind.EWS,
            endpoint=server.url + "/EWS/Exchange.asmx",
            bucket=BUCKET,
            secret=SECRET,
            options={"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
        )
        apply_integration(engine, integration)
        apply_mailbox(engine, Mailbox(integration=integration.key, address=address))
        yield CostWorld(engine=engine, emulator=emulator, table=table, integration=integration)
