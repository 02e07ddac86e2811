"""An integration row that no longer validates fails only its own integration (issue 16)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from commsync.cli import main
from commsync.errors import DisableReason, FailureClass
from commsync.local_mode import run_once
from commsync.models.integration import Disabled
from commsync.services.dispatch import dispatch
from tests.support.api import ApiWorld, api_world

ANN = "ann@acme.example"
BAD = "/integrations/acme/legacy"
# Options an older version accepted and today's EwsOptions refuses (extra fields are forbidden).
LEGACY_OPTIONS = {"retired_option": True}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    world = api_world(tmp_path)
    for name in ("exchange", "legacy"):
        body = {
            "project": "acme",
            "name": name,
            "kind": "ews",
            "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
            "bucket": "acme-mail",
            "secret": f"acme/{name}",
        }
        assert world.call("POST", "/integrations", body).status == 201
        assert world.call("POST", f"/integrations/acme/{name}/mailboxes", {"address": ANN}).status == 201
    doc = json.loads(_stored(world))
    with world.engine.state._tx() as db:
        db.execute(
            "UPDATE integrations SET doc = ? WHERE key = 'acme/legacy'",
            (json.dumps({**doc, "options": LEGACY_OPTIONS}),),
        )
    yield world
    world.close()


def _stored(world: ApiWorld) -> str:
    return str(world.engine.state._one("SELECT doc FROM integrations WHERE key = 'acme/legacy'", ())[0])


def test_the_listings_answer_and_show_it_disabled_with_the_problem_and_the_fix(world: ApiWorld) -> None:
    listing = world.call("GET", "/integrations", as_="view")
    status = world.call("GET", "/status", as_="view")
    metrics = world.call("GET", "/metrics", as_="view")
    one = world.call("GET", BAD, as_="view")
    assert (listing.status, status.status, metrics.status, one.status) == (200, 200, 200, 200), listing.text
    by_key = {i["key"]: i for i in listing.json}
    assert by_key["acme/exchange"]["enabled"] is True
    bad = by_key["acme/legacy"]
    assert bad["enabled"] is False and bad["endpoint"].startswith("https://mail.acme.example")
    assert bad["disabled"]["reason"] == "sync_error" and bad["disabled"]["failure_class"] == "integration"
    error = bad["disabled"]["error"]
    assert "cannot be read" in error and "retired_option" in error
    assert "PUT" in error and "delete" in error
    assert one.json["disabled"]["error"] == error


def test_commsync_status_and_a_tick_skip_it_and_leave_it_as_stored(
    world: ApiWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _stored(world)
    config = tmp_path / "commsync.toml"
    config.write_text('store = "store"\nsecrets_file = "secrets.toml"\n')
    assert main(["status", "--config", str(config), "--json"]) == 0
    assert "cannot be read" in capsys.readouterr().out
    dispatch(world.engine)
    outcomes = run_once(world.runtime)
    assert "acme/legacy/" + ANN not in outcomes
    assert _stored(world) == before


def test_nothing_but_put_or_delete_writes_over_it(world: ApiWorld) -> None:
    before = _stored(world)
    # WHEN it is stopped, started and enabled, and a poll's failure is recorded against it
    for action in ("stop", "start", "enable"):
        answer = world.call("POST", f"{BAD}/{action}")
        assert answer.status == 200, answer.text
        assert answer.json["enabled"] is False and "cannot be read" in answer.json["disabled"]["error"]
    failed = Disabled(
        reason=DisableReason.SYNC_ERROR,
        at=world.engine.clock(),
        failure_class=FailureClass.INTEGRATION,
        error="the server refused the credentials",
    )
    world.engine.state.set_integration_disabled("acme/legacy", failed)
    world.engine.state.set_integration_disabled("acme/legacy", None)
    # THEN the stored row is byte-for-byte what the user stored
    assert _stored(world) == before


def test_a_put_replaces_it_and_it_runs_again(world: ApiWorld) -> None:
    body = {
        "project": "acme",
        "name": "legacy",
        "kind": "ews",
        "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
        "bucket": "acme-mail",
        "secret": "acme/legacy",
    }
    replaced = world.call("PUT", BAD, body)
    assert replaced.status == 200, replaced.text
    assert replaced.json["enabled"] is True and replaced.json["disabled"] is None
    assert "retired_option" not in _stored(world)


def test_a_delete_removes_it_and_its_mailboxes(world: ApiWorld) -> None:
    assert world.call("DELETE", BAD).status == 204
    assert world.call("GET", BAD, as_="view").status == 404
    assert world.engine.state.list_mailboxes("acme/legacy") == []
    assert [i["key"] for i in world.call("GET", "/integrations", as_="view").json] == ["acme/exchange"]
