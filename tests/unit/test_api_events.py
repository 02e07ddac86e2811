"""The sample events in events/api_*.json are what API Gateway sends, and the API answers them."""

from __future__ import annotations

from pathlib import Path

from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from commsync.api.auth import authorizer_context
from commsync.api.tokens import authorize_token_event
from commsync.models.access import ApiToken, Permission, token_sha256
from tests.support.api import api_world, to_response
from tests.support.handlers import LambdaContext, event


def test_the_create_event_creates_the_integration_with_the_authorizers_permissions(tmp_path: Path) -> None:
    # GIVEN the sample event, as API Gateway passes it after the TOKEN authorizer
    sample = event("api_create_integration.json")
    APIGatewayProxyEventModel.model_validate(sample)
    world = api_world(tmp_path, authenticate=authorizer_context)
    # WHEN the app resolves it
    response = to_response(world.app.resolve(sample, LambdaContext("api")))  # type: ignore[arg-type]
    # THEN the integration exists and the sample password went to the secrets port only
    assert response.status == 201, response.text
    assert response.json["key"] == "acme/exchange" and "example-password" not in response.text
    world.close()


def test_the_callback_event_without_a_known_state_is_refused(tmp_path: Path) -> None:
    sample = event("api_oauth_callback.json")
    APIGatewayProxyEventModel.model_validate(sample)
    world = api_world(tmp_path)

    response = to_response(world.app.resolve(sample, LambdaContext("api")))  # type: ignore[arg-type]

    assert response.status == 400 and response.field_names() == ["query.state"]
    world.close()


def test_the_token_event_is_authorised_for_a_stored_token() -> None:
    sample = event("api_authorizer_token.json")
    token = sample["authorizationToken"].removeprefix("Bearer ")
    stored = ApiToken(name="ops-bot", sha256=token_sha256(token), permissions=[Permission.MODIFY])

    answer = authorize_token_event(sample, {stored.sha256: stored}.get)

    assert answer["context"]["permissions"] == "modify view"
    assert answer["policyDocument"]["Statement"][0]["Resource"].endswith("k7x2m9q4tb/v1/*")
