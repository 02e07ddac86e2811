"""Each function's role grants exactly what its handler calls, over the e2e tests before this one.

moto evaluates no IAM: without this check a missing grant passes here and fails on AWS with
AccessDenied, and a grant nobody uses stays forever. Both directions are checked: every action a
handler called is granted to its role, and every action a role grants is called by some test or
listed, with the reason, in uncalled_grants.toml (the Lambda service's own calls, options such
as a VPC or a KMS key, paths no e2e flow reaches). The module's name puts it after the other e2e
modules, whose calls it reads (tests/support/aws_calls.py).
"""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import AwsStack
from tests.support.aws_calls import RECORDED, granted
from tests.support.template_conditions import (
    as_list,
    conditions_for,
    deployed,
    evaluate,
    every_condition,
    granted_actions,
    parameter_values,
    role_statements,
)

EXERCISED = {"DispatcherFunction", "PollerFunction", "ApiFunction", "AuthorizerFunction"}
UNCALLED_GRANTS = Path(__file__).with_name("uncalled_grants.toml")


def _recorded_calls() -> dict[str, set[str]]:
    calls = RECORDED.by_function
    if not calls:
        pytest.skip("runs after the other e2e tests, whose calls it checks (run tests/e2e whole)")
    assert calls.keys() >= EXERCISED, f"handlers not exercised: {EXERCISED - calls.keys()}"
    return calls


def test_every_action_a_handler_called_is_granted_to_its_role(aws_stack: AwsStack) -> None:
    # GIVEN what the handlers called during the e2e flows, and the roles as deployed there
    calls = _recorded_calls()
    roles = deployed(aws_stack.translated, every_condition(aws_stack.translated, False))

    # WHEN each action is looked up in the statements of the function's role
    missing: dict[str, list[str]] = {}
    for function, actions in calls.items():
        statements = [s for role, s in role_statements(roles) if role == f"{function}Role"]
        missing[function] = sorted(a for a in actions if not granted(a, statements))

    # THEN none is missing
    assert {f: a for f, a in missing.items() if a} == {}
    assert "secretsmanager:PutSecretValue" in calls["ApiFunction"]  # the record is real, not empty


def test_every_action_a_role_grants_is_called_or_listed_with_its_reason(aws_stack: AwsStack) -> None:
    # GIVEN the recorded calls, the allow-list, and every grant any deployment can have (each
    # optional statement included: VPC, tracing, KMS key)
    calls = _recorded_calls()
    listed: dict[str, dict[str, str]] = tomllib.loads(UNCALLED_GRANTS.read_text(encoding="utf-8"))
    widest = deployed(aws_stack.translated, every_condition(aws_stack.translated, True))

    # WHEN each function's grants are compared with its calls and its listed reasons
    unexplained, stale = {}, {}
    for function in sorted(EXERCISED):
        grants = granted_actions(widest, f"{function}Role")
        reasons = listed.get(function, {})
        unexplained[function] = sorted(grants - calls[function] - reasons.keys())
        stale[function] = sorted(a for a in reasons if a not in grants or a in calls[function])

    # THEN every grant is used or explained, and the list names nothing granted-and-called or gone
    assert {f: a for f, a in unexplained.items() if a} == {}
    assert {f: a for f, a in stale.items() if a} == {}
    assert listed.keys() <= EXERCISED
    assert all(reason.strip() for reasons in listed.values() for reason in reasons.values())


def _created_values(stack: AwsStack) -> dict[str, Any]:
    """Parameter defaults and the created resources' Ref and Arn values, for `evaluate`."""
    queue_url, bucket = stack.outputs["PollQueueUrl"], stack.outputs["BlobBucketName"]
    queue_arn = stack.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    table = stack.outputs["StateTableName"]
    key_id = stack.physical_ids["NotificationKey"]  # no call records a KMS resource: form only
    return parameter_values(stack.translated) | {
        "AWS::Region": stack.region,
        "StateTable": table,
        "StateTable.Arn": f"arn:aws:dynamodb:{stack.region}:123456789012:table/{table}",
        "BlobBucket": bucket,
        "BlobBucket.Arn": f"arn:aws:s3:::{bucket}",
        "PollQueue": queue_url,
        "PollQueue.Arn": queue_arn["Attributes"]["QueueArn"],
        "NotificationTopic": stack.outputs["NotificationTopicArn"],
        "NotificationKey.Arn": f"arn:aws:kms:{stack.region}:123456789012:key/{key_id}",
    }


def test_every_call_is_on_a_resource_its_granting_statement_names(aws_stack: AwsStack) -> None:
    # GIVEN each call's action and resource (table or index, object key, queue, topic, secret),
    # and the roles' statements with their Resource evaluated to the created resources' ARNs
    _recorded_calls()
    values = _created_values(aws_stack)
    conditions = conditions_for(aws_stack.translated, values)
    roles = deployed(aws_stack.translated, conditions)
    # WHEN each call is matched against the statements of its function's role
    uncovered: dict[str, list[str]] = {}
    for function, requests in RECORDED.requests_by_function.items():
        grants = [
            (as_list(s["Action"]), [str(r) for r in as_list(evaluate(s["Resource"], values, conditions))])
            for role, s in role_statements(roles)
            if role == f"{function}Role" and s["Effect"] == "Allow"
        ]
        uncovered[function] = sorted(
            f"{action} on {resource}"
            for action, resource in requests
            if not any(
                any(fnmatchcase(action, a) for a in actions) and any(fnmatchcase(resource, r) for r in arns)
                for actions, arns in grants
            )
        )
    # THEN every call is on a resource (and key prefix) the statement granting it names
    assert {f: c for f, c in uncovered.items() if c} == {}
    s3_keys = {r for a, r in RECORDED.requests_by_function["PollerFunction"] if a == "s3:PutObject"}
    assert any("/comments/" in key for key in s3_keys)  # the record holds object keys, not buckets
