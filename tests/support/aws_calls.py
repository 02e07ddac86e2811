"""Which AWS actions each Lambda handler really calls, recorded from botocore's own events.

moto never evaluates IAM, so a handler calling an action its role lacks passes every test here
and fails on AWS with AccessDenied. The e2e suite records each call with the handler it came
from (found on the call stack: `functions/<name>/app.py`), and a test compares the record with
the role's statements in the template.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from fnmatch import fnmatchcase
from typing import Any

import boto3

from tests.support.aws_call_resources import call_resources

HANDLER_FILE = re.compile(r"[\\/]functions[\\/](\w+)[\\/]app\.py$")
FUNCTIONS = {
    "dispatcher": "DispatcherFunction",
    "poller": "PollerFunction",
    "api": "ApiFunction",
    "authorizer": "AuthorizerFunction",
}
# Operations whose IAM action has another name (service authorization reference).
ACTIONS = {
    "s3:ListObjectsV2": ("s3:ListBucket",),
    "s3:HeadObject": ("s3:GetObject",),
    "s3:CreateMultipartUpload": ("s3:PutObject",),
    "s3:UploadPart": ("s3:PutObject",),
    "s3:CompleteMultipartUpload": ("s3:PutObject",),
    "s3:DeleteObjects": ("s3:DeleteObject",),
    "sqs:SendMessageBatch": ("sqs:SendMessage",),
    "sqs:DeleteMessageBatch": ("sqs:DeleteMessage",),
    "dynamodb:TransactGetItems": ("dynamodb:GetItem",),
}
TRANSACT_WRITE_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


class AwsCalls:
    def __init__(self) -> None:
        self.by_function: dict[str, set[str]] = defaultdict(set)
        # (action, resource ARN) per function: what the role's statements must cover.
        self.requests_by_function: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def install(self, session: boto3.Session) -> None:
        """Clients copy their session's event handlers when created: install before any is."""
        # before-parameter-build carries the call's own parameters (before-call carries the
        # serialized request, in which TransactItems, Bucket and Key are not found).
        session.events.register("before-parameter-build", self._record)

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        function = _calling_function()
        if function is not None:
            actions = iam_actions(model.service_model.signing_name, model.name, params)
            self.by_function[function].update(actions)
            resources = call_resources(model.service_model.signing_name, model.name, params)
            self.requests_by_function[function].update((a, r) for a in actions for r in resources)


def iam_actions(prefix: str, operation: str, params: dict[str, Any]) -> tuple[str, ...]:
    name = f"{prefix}:{operation}"
    if name == "dynamodb:TransactWriteItems":
        return tuple(
            TRANSACT_WRITE_ACTIONS[kind] for item in params.get("TransactItems", []) for kind in item
        )
    return ACTIONS.get(name, (name,))


def granted(action: str, statements: list[dict[str, Any]]) -> bool:
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        for pattern in actions if isinstance(actions, list) else [actions]:
            if fnmatchcase(action.lower(), str(pattern).lower()):
                return True
    return False


def _calling_function() -> str | None:
    frame = sys._getframe(1)
    while frame is not None:
        found = HANDLER_FILE.search(frame.f_code.co_filename)
        if found and found.group(1) in FUNCTIONS:
            return FUNCTIONS[found.group(1)]
        frame = frame.f_back  # type: ignore[assignment]
    return None


RECORDED = AwsCalls()
