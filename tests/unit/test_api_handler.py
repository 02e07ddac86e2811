"""The API function answers through API Gateway's proxy event (events/api_health.json)."""

from __future__ import annotations

import json

import pytest

from tests.support.handlers import LambdaContext, event, load_handler

ENVIRONMENT = {
    "COMMSYNC_TABLE_NAME": "commsync-StateTable",
    "COMMSYNC_BUCKET_NAME": "commsync-blobbucket",
    "COMMSYNC_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/commsync-PollQueue",
    "COMMSYNC_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:commsync-NotificationTopic",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def test_health_answers_200_with_the_version(monkeypatch: pytest.MonkeyPatch) -> None:
    api = load_handler("api", ENVIRONMENT, monkeypatch)

    response = api.lambda_handler(event("api_health.json"), LambdaContext("api"))

    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "ok"


def test_an_unknown_route_is_a_404_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    api = load_handler("api", ENVIRONMENT, monkeypatch)
    request = event("api_health.json") | {"path": "/nowhere", "resource": "/{proxy+}"}

    response = api.lambda_handler(request, LambdaContext("api"))

    assert response["statusCode"] == 404


def test_a_missing_setting_fails_the_cold_start_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMMSYNC_TOPIC_ARN", raising=False)
    partial = {k: v for k, v in ENVIRONMENT.items() if k != "COMMSYNC_TOPIC_ARN"}

    with pytest.raises(Exception, match="topic_arn"):
        load_handler("dispatcher", partial, monkeypatch)
