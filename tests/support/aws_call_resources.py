"""The resource ARN IAM checks for each recorded AWS call (service authorization reference).

tests/support/aws_calls.py records which actions each handler calls; this names what each call
touches, so that a test can check the role's statements cover the resource too (a statement on
the wrong key prefix or index passes on moto and fails on AWS with AccessDenied).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

ACCOUNT = "123456789012"  # moto's account


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _table(name: str, index: str | None = None) -> str:
    arn = f"arn:aws:dynamodb:{_region()}:{ACCOUNT}:table/{name}"
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(operation: str, params: dict[str, Any]) -> Iterator[str]:
    if operation == "TransactWriteItems":
        for item in params.get("TransactItems", []):
            for request in item.values():
                yield _table(request["TableName"])
    elif operation in ("BatchWriteItem", "BatchGetItem", "TransactGetItems"):
        yield from (_table(name) for name in params.get("RequestItems", {}))
    elif "TableName" in params:
        yield _table(params["TableName"], params.get("IndexName"))


def _s3(operation: str, params: dict[str, Any]) -> Iterator[str]:
    bucket = params.get("Bucket")
    if bucket and "Key" in params:
        yield f"arn:aws:s3:::{bucket}/{params['Key']}"
    elif bucket and operation == "DeleteObjects":
        yield from (f"arn:aws:s3:::{bucket}/{o['Key']}" for o in params["Delete"]["Objects"])
    elif bucket:
        yield f"arn:aws:s3:::{bucket}"


def call_resources(prefix: str, operation: str, params: dict[str, Any]) -> tuple[str, ...]:
    """The ARNs a call is authorized on; empty for calls on no resource of ours."""
    if prefix == "dynamodb":
        return tuple(_dynamodb(operation, params))
    if prefix == "s3":
        return tuple(_s3(operation, params))
    if prefix == "sqs" and "QueueUrl" in params:
        return (f"arn:aws:sqs:{_region()}:{ACCOUNT}:{params['QueueUrl'].rsplit('/', 1)[-1]}",)
    if prefix == "sns":
        # A subscription's ARN is its topic's ARN and an id; IAM checks the topic.
        arn = params.get("TopicArn") or str(params.get("SubscriptionArn", "")).rsplit(":", 1)[0]
        return (arn,) if arn else ()
    if prefix == "secretsmanager":
        name = params.get("SecretId") or params.get("Name")
        # Secrets Manager appends a dash and six random characters to a secret's ARN.
        return (f"arn:aws:secretsmanager:{_region()}:{ACCOUNT}:secret:{name}-XXXXXX",) if name else ()
    return ()
