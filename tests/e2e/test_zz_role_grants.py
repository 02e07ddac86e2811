"""Every AWS action a handler called in the e2e tests before this one is granted to its role.

moto evaluates no IAM: without this check a missing grant passes here and fails on AWS. The
module's name puts it after the other e2e modules, whose calls it reads (tests/support/aws_calls.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import AwsStack
from tests.support.aws_calls import RECORDED, granted

EXERCISED = {"DispatcherFunction", "PollerFunction", "ApiFunction", "AuthorizerFunction"}


def _role_statements(translated: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = translated["Resources"][f"{function}Role"]["Properties"]
    statements: list[dict[str, Any]] = []
    for policy in role.get("Policies", []):
        found = policy["PolicyDocument"]["Statement"]
        statements += found if isinstance(found, list) else [found]
    return statements


def test_every_action_a_handler_called_is_granted_to_its_role(aws_stack: AwsStack) -> None:
    # GIVEN what the handlers called during the e2e flows
    calls = RECORDED.by_function
    if not calls:
        pytest.skip("runs after the other e2e tests, whose calls it checks (run tests/e2e whole)")
    assert calls.keys() >= EXERCISED, f"handlers not exercised: {EXERCISED - calls.keys()}"

    # WHEN each action is looked up in the statements of the function's role
    missing: dict[str, list[str]] = {}
    for function, actions in calls.items():
        statements = _role_statements(aws_stack.translated, function)
        missing[function] = sorted(a for a in actions if not granted(a, statements))

    # THEN none is missing
    assert {f: a for f, a in missing.items() if a} == {}
    assert "secretsmanager:PutSecretValue" in calls["ApiFunction"]  # the record is real, not empty
