"""Issue 11's "done when" on the template's stack (moto): an org with EmailMessage and Case records
connects through the API function alone (create, add objects, OAuth authenticate and callback),
then the dispatcher and poller handlers sync it completely and incrementally into S3."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from commsync.adapters.aws.dynamodb_state import DynamoState
from commsync.api.tokens import issue_token
from commsync.models.access import Permission
from commsync.models.common import utc_now
from emulators.salesforce import SalesforceEmulator, sign_in
from tests.e2e.conftest import AwsStack
from tests.integration.salesforce.support import (
    CONSUMER_KEY,
    CONSUMER_SECRET,
    PASSWORD,
    T0,
    USER,
    customer_email,
    prepare,
    seed_org,
)
from tests.support.api import ApiResponse, api_event, to_response
from tests.support.handlers import LambdaContext, event, load_handler

pytestmark = pytest.mark.e2e

METHOD_ARN = "arn:aws:execute-api:eu-west-1:123456789012:k7x2m9q4tb/v1/GET/integrations"


@dataclass
class Api:
    """The API function as API Gateway calls it: the TOKEN authorizer first, except on public routes."""

    api: ModuleType
    authorizer: ModuleType
    token: str

    def __call__(self, method: str, path: str, body: Any = None) -> ApiResponse:
        answer = self.authorizer.lambda_handler(
            {"type": "TOKEN", "authorizationToken": f"Bearer {self.token}", "methodArn": METHOD_ARN},
            LambdaContext("authorizer"),
        )
        context = {"principalId": answer["principalId"], **answer["context"]}
        return to_response(
            self.api.lambda_handler(api_event(method, path, body, authorizer=context), LambdaContext("api"))
        )

    def public(self, path: str, query: dict[str, str]) -> ApiResponse:
        return to_response(self.api.lambda_handler(api_event("GET", path, query=query), LambdaContext("api")))


def _api(stack: AwsStack, monkeypatch: pytest.MonkeyPatch, project: str) -> Api:
    api = load_handler("api", stack.function_environment("ApiFunction"), monkeypatch)
    authorizer = load_handler("authorizer", stack.function_environment("AuthorizerFunction"), monkeypatch)
    token, record = issue_token(f"{project}-modify", [Permission.MODIFY], utc_now())
    DynamoState(stack.outputs["StateTableName"]).put_api_token(record)
    return Api(api, authorizer, token)


def _connect(call: Api, emu: SalesforceEmulator, project: str) -> None:
    assert emu.url is not None
    body = {
        "project": project,
        "name": "crm",
        "kind": "salesforce",
        "endpoint": emu.url,
        "bucket": project,
        "options": {
            "client_id": CONSUMER_KEY,
            "login_url": emu.url,
            "allow_insecure_loopback": True,
            "property_fields": "Case.Status",
        },
        "secret_values": {"client_secret": CONSUMER_SECRET},
    }
    created = call("POST", "/integrations", body)
    assert created.status == 201, created.text
    for address in ("EmailMessage", "Case"):
        assert call("POST", f"/integrations/{project}/crm/mailboxes", {"address": address}).status == 201
    location = call("GET", f"/integrations/{project}/crm/oauth2/authenticate").headers["Location"]
    # The connected app's callback is the API's own URL, as the README says to register it.
    callback = parse_qs(urlsplit(location).query)["redirect_uri"][0]
    emu.add_app(CONSUMER_KEY, CONSUMER_SECRET, [callback])
    back = call.public(urlsplit(callback).path.removeprefix("/v1"), sign_in(location, USER, PASSWORD))
    assert back.status == 302 and "oauth=success" in back.headers["Location"], back.headers


def test_a_salesforce_org_connects_through_the_api_and_syncs_through_the_handlers(
    aws_stack: AwsStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an org with three cases and six emails, connected through the API function alone
    emu = SalesforceEmulator()
    prepare(emu)
    ids = seed_org(emu)
    project = f"sf{uuid.uuid4().hex[:8]}"
    call = _api(aws_stack, monkeypatch, project)
    dispatcher = load_handler("dispatcher", aws_stack.function_environment("DispatcherFunction"), monkeypatch)
    poller = load_handler("poller", aws_stack.function_environment("PollerFunction"), monkeypatch)
    with emu.serving():
        _connect(call, emu, project)
        try:
            # WHEN the schedule fires
            dispatcher.lambda_handler(event("schedule.json"), LambdaContext("dispatcher"))
            responses = aws_stack.drain_poll_queue(poller)

            # THEN every case and email is one comment in S3, and both objects report success
            assert all(r["batchItemFailures"] == [] for r in responses)
            assert len(_comment_keys(aws_stack, project)) == 9
            status = call("GET", f"/integrations/{project}/crm/status").json
            assert [(m["address"], m["last_error"]) for m in status["mailboxes"]] == [
                ("case", None),
                ("emailmessage", None),
            ], status

            # WHEN a customer writes again and both objects are due
            emu.put(
                "EmailMessage",
                customer_email(ids["Case"][1], 7, T0 + timedelta(days=1)),
                at=T0 + timedelta(days=1),
            )
            _make_due(call, project)
            emu.stats.reset()
            dispatcher.lambda_handler(event("schedule.json"), LambdaContext("dispatcher"))
            aws_stack.drain_poll_queue(poller)

            # THEN only that email is added, with one query per object
            assert len(_comment_keys(aws_stack, project)) == 10
            assert emu.stats["op:query"] == 2
        finally:
            call("DELETE", f"/integrations/{project}/crm")


def _make_due(call: Api, project: str) -> None:
    for address in ("Case", "EmailMessage"):
        queued = call("POST", f"/integrations/{project}/crm/mailboxes/{address.lower()}/sync", {})
        assert queued.status == 202, queued.text


def _comment_keys(stack: AwsStack, project: str) -> list[str]:
    s3, bucket = stack.client("s3"), stack.outputs["BlobBucketName"]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"comments/{project}/")
    return [item["Key"] for page in pages for item in page.get("Contents", [])]
