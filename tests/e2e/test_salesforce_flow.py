"""Issue 11's "done when" on the template's stack (moto): an org with EmailMessage and Case records
connects through the API function alone (create, add objects, OAuth authenticate and callback),
then the dispatcher and poller handlers sync it completely and incrementally into S3."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

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
from tests.support.gateway import Gateway, gateway
from tests.support.handlers import LambdaContext, event, load_handler

pytestmark = pytest.mark.e2e


def _connect(call: Gateway, emu: SalesforceEmulator, project: str) -> None:
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
    call = gateway(aws_stack, monkeypatch, project)
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
            assert len(aws_stack.comment_keys(project)) == 9
            status = call("GET", f"/integrations/{project}/crm/status").json
            assert [(m["address"], m["last_error"]) for m in status["mailboxes"]] == [
                ("case", None),
                ("emailmessage", None),
            ], status

            # WHEN a customer writes again and both objects are synced on demand
            emu.put(
                "EmailMessage",
                customer_email(ids["Case"][1], 7, T0 + timedelta(days=1)),
                at=T0 + timedelta(days=1),
            )
            emu.stats.reset()
            _make_due(call, project)
            aws_stack.drain_poll_queue(poller)

            # THEN only that email is added, with one query per object
            assert len(aws_stack.comment_keys(project)) == 10
            assert emu.stats["op:query"] == 2
        finally:
            call("DELETE", f"/integrations/{project}/crm")


def _make_due(call: Gateway, project: str) -> None:
    for address in ("Case", "EmailMessage"):
        queued = call("POST", f"/integrations/{project}/crm/mailboxes/{address.lower()}/sync", {})
        assert queued.status == 202, queued.text
