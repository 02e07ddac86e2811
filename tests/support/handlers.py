"""Load the Lambda handlers as Lambda does: from their own folder, with the function's environment."""

from __future__ import annotations

import importlib.util
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


@dataclass
class LambdaContext:
    """The attributes of the Python runtime's context object that the handlers read."""

    function_name: str
    timeout_seconds: float = 900.0
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-west-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000)


def load_handler(name: str, environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import functions/<name>/app.py afresh under the given environment (a cold start)."""
    from commsync import settings

    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    for cached in (settings.aws_settings, settings.poller_settings, settings.dispatcher_settings):
        cached.cache_clear()  # each handler's settings are read afresh, as in a new container
    spec = importlib.util.spec_from_file_location(
        f"handler_{name}_{uuid.uuid4().hex}", ROOT / "functions" / name / "app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The SQS event Lambda builds from received messages, shaped like events/sqs_poll.json."""
    template = event("sqs_poll.json")["Records"][0]
    records = []
    for message in messages:
        record = json.loads(json.dumps(template))
        record.update(
            messageId=message["MessageId"],
            receiptHandle=message["ReceiptHandle"],
            body=message["Body"],
            md5OfBody=message["MD5OfBody"],
            eventSourceARN=queue_arn,
        )
        record["attributes"]["ApproximateReceiveCount"] = message.get("Attributes", {}).get(
            "ApproximateReceiveCount", "1"
        )
        # A FIFO queue's records carry their message group (the poller works each group in order).
        if group := message.get("Attributes", {}).get("MessageGroupId"):
            record["attributes"]["MessageGroupId"] = group
        records.append(record)
    return {"Records": records}
