"""The API function as API Gateway calls it, on the moto stack: the TOKEN authorizer first, its
principal and context passed on, except on public routes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

from commsync.adapters.aws.dynamodb_state import DynamoState
from commsync.api.tokens import issue_token
from commsync.models.access import Permission
from commsync.models.common import utc_now
from tests.support.api import ApiResponse, api_event, to_response
from tests.support.handlers import LambdaContext, load_handler

if TYPE_CHECKING:
    from tests.e2e.conftest import AwsStack

METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:k7x2m9q4tb/v1/GET/integrations"


@dataclass
class Gateway:
    api: ModuleType
    authorizer: ModuleType
    # Token per name; calls use "modify" unless told otherwise.
    tokens: dict[str, str] = field(default_factory=dict)

    def context(self, token: str) -> dict[str, Any]:
        answer = self.authorizer.lambda_handler(
            {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": METHOD_ARN},
            LambdaContext("authorizer"),
        )
        return {"principalId": answer["principalId"], **answer["context"]}

    def __call__(
        self, method: str, path: str, body: Any = None, as_: str = "modify", **query: str
    ) -> ApiResponse:
        context = self.context(self.tokens[as_])
        request = api_event(method, path, body, query=query or None, authorizer=context)
        return to_response(self.api.lambda_handler(request, LambdaContext("api")))

    def public(self, path: str, query: dict[str, str]) -> ApiResponse:
        return to_response(self.api.lambda_handler(api_event("GET", path, query=query), LambdaContext("api")))


def gateway(
    stack: AwsStack,
    monkeypatch: pytest.MonkeyPatch,
    project: str,
    permissions: Iterable[Permission] = (Permission.MODIFY,),
) -> Gateway:
    """The API and authorizer handlers with the template's environment, and a token per permission."""
    api = load_handler("api", stack.function_environment("ApiFunction"), monkeypatch)
    authorizer = load_handler("authorizer", stack.function_environment("AuthorizerFunction"), monkeypatch)
    state = DynamoState(stack.outputs["StateTableName"])
    tokens = {}
    for permission in permissions:
        token, record = issue_token(f"{project}-{permission.value}", [permission], utc_now())
        state.put_api_token(record)
        tokens[permission.value] = token
    return Gateway(api, authorizer, tokens)
