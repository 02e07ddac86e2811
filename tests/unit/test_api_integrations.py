"""Integrations through the real API app and API Gateway events, on the local adapters (issue 7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commsync.errors import DisableReason, FailureClass, IntegrationError
from commsync.models.integration import Disabled
from tests.support.api import ApiWorld, api_world

EWS = {
    "project": "acme",
    "name": "exchange",
    "kind": "ews",
    "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
    "bucket": "acme-mail",
    "options": {"auth": "ntlm", "access": "impersonation", "exchange_version": "2016"},
}
PASSWORD = "Spring-2024-sync!"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    world = api_world(tmp_path)
    yield world
    world.close()


def _create(world: ApiWorld, **changes: Any) -> dict[str, Any]:
    response = world.call("POST", "/integrations", {**EWS, **changes})
    assert response.status == 201, response.text
    created: dict[str, Any] = response.json
    return created


def test_an_ews_integration_is_created_with_its_secret_written_only(world: ApiWorld) -> None:
    # GIVEN an EWS integration with its service account in the body
    body = {**EWS, "secret_values": {"username": "CORP\\svc-sync", "password": PASSWORD}}

    # WHEN it is created and read back
    created = world.call("POST", "/integrations", body)
    read = world.call("GET", "/integrations/acme/exchange", as_="view")

    # THEN the secret sits in the secrets port under the default name, and no answer holds it
    assert created.status == 201 and read.status == 200
    assert read.json["secret"] == {"name": "acme/exchange", "set": True, "keys": ["password", "username"]}
    assert world.engine.secrets.get("acme/exchange")["password"].get_secret_value() == PASSWORD
    assert PASSWORD not in created.text + read.text
    assert read.json["enabled"] is True and read.json["options"]["auth"] == "ntlm"


def test_a_bad_integration_is_refused_with_the_fields_named(world: ApiWorld) -> None:
    # GIVEN bodies with a plain-HTTP endpoint, a bad option, and a name that is no slug
    cases = [
        ({**EWS, "endpoint": "http://mail.acme.example/EWS/Exchange.asmx"}, "body.endpoint"),
        ({**EWS, "options": {"auth": "kerberos"}}, "body.options.auth"),
        ({**EWS, "name": "Exchange Prod"}, "body.name"),
        ({k: v for k, v in EWS.items() if k != "bucket"}, "body.bucket"),
    ]
    for body, field in cases:
        # WHEN each is posted
        response = world.call("POST", "/integrations", body)
        # THEN 422 names the field, and nothing is stored
        assert response.status == 422, response.text
        assert field in response.field_names(), response.text
    assert world.engine.state.list_integrations() == []


def test_creating_twice_is_a_conflict_and_unknown_names_are_404(world: ApiWorld) -> None:
    _create(world)

    again = world.call("POST", "/integrations", EWS)
    missing = [
        world.call("GET", "/integrations/acme/nothing", as_="view"),
        world.call("PUT", "/integrations/acme/nothing", {**EWS, "name": "nothing"}),
        world.call("DELETE", "/integrations/acme/nothing"),
        world.call("POST", "/integrations/acme/nothing/stop"),
        world.call("GET", "/integrations/acme/nothing/status", as_="view"),
    ]

    assert again.status == 409 and "already exists" in again.json["message"]
    assert [r.status for r in missing] == [404] * 5
    assert all(r.json["error"] == "not_found" for r in missing)


def test_update_replaces_settings_keeps_the_secret_and_refuses_a_kind_change(world: ApiWorld) -> None:
    # GIVEN an integration with a secret
    _create(world, secret_values={"username": "CORP\\svc", "password": PASSWORD})

    # WHEN its endpoint changes (no secret in the body), and then someone tries to change its kind
    moved = world.call(
        "PUT",
        "/integrations/acme/exchange",
        {**EWS, "endpoint": "https://mail2.acme.example/EWS/Exchange.asmx"},
    )
    kind = world.call("PUT", "/integrations/acme/exchange", {**EWS, "kind": "graph", "options": {}})
    other = world.call("PUT", "/integrations/acme/exchange", {**EWS, "name": "other"})

    # THEN the endpoint moved and the secret stayed; the kind change is a conflict; a body
    # naming another integration is refused naming the field
    assert moved.status == 200 and moved.json["endpoint"].startswith("https://mail2.")
    assert moved.json["secret"]["keys"] == ["password", "username"]
    assert kind.status == 409 and "kind cannot change" in kind.json["message"]
    assert other.status == 409 and other.field_names() == ["body.name"]


def test_stop_start_and_enable_follow_the_disable_reasons(world: ApiWorld) -> None:
    # GIVEN an integration
    _create(world)

    # WHEN the user stops it, it is shown stopped; start brings it back
    stopped = world.call("POST", "/integrations/acme/exchange/stop")
    started = world.call("POST", "/integrations/acme/exchange/start")

    # AND WHEN the poller disables it for a sync error, start does not clear that, enable does
    failure = Disabled(
        reason=DisableReason.SYNC_ERROR,
        at=world.engine.clock(),
        failure_class=FailureClass.INTEGRATION,
        error="401 Unauthorized: the password of CORP\\svc-sync was rejected",
    )
    world.engine.state.set_integration_disabled("acme/exchange", failure)
    status = world.call("GET", "/status", as_="view")
    start_again = world.call("POST", "/integrations/acme/exchange/start")
    enabled = world.call("POST", "/integrations/acme/exchange/enable")

    # THEN
    assert stopped.json["enabled"] is False and stopped.json["disabled"]["reason"] == "user"
    assert started.json["enabled"] is True
    assert status.json[0]["disabled"]["reason"] == "sync_error"
    assert "password of CORP" in status.json[0]["disabled"]["error"]
    assert start_again.json["enabled"] is False
    assert enabled.json["enabled"] is True and enabled.json["disabled"] is None


def test_an_update_without_enabled_keeps_the_users_stop(world: ApiWorld) -> None:
    _create(world, enabled=False)

    updated = world.call("PUT", "/integrations/acme/exchange", EWS)
    restarted = world.call("PUT", "/integrations/acme/exchange", {**EWS, "enabled": True})

    assert updated.json["enabled"] is False
    assert restarted.json["enabled"] is True


def test_delete_removes_the_integration_and_its_mailboxes(world: ApiWorld) -> None:
    _create(world)
    assert (
        world.call("POST", "/integrations/acme/exchange/mailboxes", {"address": "ann@acme.example"}).status
        == 201
    )

    deleted = world.call("DELETE", "/integrations/acme/exchange")

    assert deleted.status == 204
    assert world.call("GET", "/integrations", as_="view").json == []
    assert world.engine.state.list_mailboxes("acme/exchange") == []


def test_delete_removes_the_secret_the_api_named_for_it_but_not_a_shared_one(world: ApiWorld) -> None:
    # GIVEN an integration whose secret the API created, and two that share a hand-named secret
    _create(world, secret_values={"username": "CORP\\svc", "password": PASSWORD})
    world.engine.secrets.put("svc-shared", {"username": "CORP\\shared", "password": PASSWORD})
    _create(world, name="east", secret="svc-shared")
    _create(world, name="west", secret="svc-shared")

    # WHEN all three are deleted
    for name in ("exchange", "east"):
        assert world.call("DELETE", f"/integrations/acme/{name}").status == 204
    shared_after_one = world.engine.secrets.get("svc-shared")
    assert world.call("DELETE", "/integrations/acme/west").status == 204

    # THEN the API's own secret is gone; the shared one stays, even after the last user goes
    with pytest.raises(IntegrationError):
        world.engine.secrets.get("acme/exchange")
    assert shared_after_one["username"].get_secret_value() == "CORP\\shared"
    assert world.engine.secrets.get("svc-shared")["password"].get_secret_value() == PASSWORD

    # AND an integration created again under the old name starts with only its new keys
    _create(world, secret_values={"password": "Autumn-2024-new!"})
    assert set(world.engine.secrets.get("acme/exchange")) == {"password"}


def test_status_reports_last_success_lag_counts_and_errors_per_mailbox(world: ApiWorld) -> None:
    # GIVEN a mailbox that synced ten minutes ago and failed since
    _create(world)
    world.call("POST", "/integrations/acme/exchange/mailboxes", {"address": "ann@acme.example"})
    ref = world.engine.state.list_mailboxes("acme/exchange")[0][0].ref
    found = world.engine.state.get_mailbox(ref)
    assert found is not None
    now = world.engine.clock()
    from datetime import timedelta

    from commsync.models import SyncCounts

    world.engine.state.save_mailbox_state(
        ref,
        found[1].model_copy(
            update={
                "last_success_at": now - timedelta(minutes=10),
                "last_sync_at": now - timedelta(minutes=1),
                "last_error": "ErrorServerBusy: retry after 30000 ms",
                "counts": SyncCounts(created=42, updated=3),
            }
        ),
    )

    # WHEN the status is read
    status = world.call("GET", "/integrations/acme/exchange/status", as_="view")

    # THEN the mailbox's last success, lag, counts and last error are there
    mailbox = status.json["mailboxes"][0]
    assert mailbox["address"] == "ann@acme.example"
    assert 600 <= mailbox["lag_seconds"] < 660
    assert mailbox["counts"]["created"] == 42
    assert mailbox["last_error"].startswith("ErrorServerBusy")
    assert mailbox["enabled"] is True and mailbox["disabled"] is None
