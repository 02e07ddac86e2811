"""Integrations defined in the config file are managed by it: the API refuses edits the file would
undo at the next start, and says where to make them (issue 23, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api import ApiWorld, api_world
from tests.support.local import KEY, local_world

ANN = "ann@northwind.example"
FILE = "/srv/commsync/commsync.toml"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    local = local_world(tmp_path, [ANN])
    api = api_world(tmp_path, runtime=local.runtime, managed={KEY: FILE})
    yield api
    api.close()


def test_a_managed_integration_says_so_and_refuses_edits_naming_the_file(world: ApiWorld) -> None:
    integration = world.call("GET", f"/integrations/{KEY}").json
    assert integration["managed_by"] == FILE

    body = {k: integration[k] for k in ("project", "name", "kind", "endpoint", "bucket", "options")}
    refused = [
        world.call("PUT", f"/integrations/{KEY}", body),
        world.call("DELETE", f"/integrations/{KEY}"),
        world.call(
            "PUT", f"/integrations/{KEY}/mailboxes/{ANN}", {"address": ANN, "poll_interval_seconds": 900}
        ),
        world.call("POST", f"/integrations/{KEY}/mailboxes", {"address": "bob@northwind.example"}),
        world.call("DELETE", f"/integrations/{KEY}/mailboxes/{ANN}"),
    ]

    for answer in refused:
        assert answer.status == 409, answer.text
        assert FILE in answer.json["message"] and "change it there" in answer.json["message"]
    mailbox = world.call("GET", f"/integrations/{KEY}/mailboxes/{ANN}").json
    assert mailbox["poll_interval_seconds"] != 900


def test_runtime_controls_still_work_and_bulk_schedules_report_managed_mailboxes(world: ApiWorld) -> None:
    assert world.call("POST", f"/integrations/{KEY}/stop").status == 200
    assert world.call("POST", f"/integrations/{KEY}/start").status == 200

    result = world.call(
        "POST",
        "/schedules",
        {"kinds": "ALL", "poll_interval_seconds": 900, "mailboxes": [{"integration": KEY, "address": ANN}]},
    ).json

    assert result["managed"] == [{"integration": KEY, "address": ANN}] and result["updated"] == []


def test_an_integration_not_in_the_file_is_edited_as_before(tmp_path: Path) -> None:
    local = local_world(tmp_path, [ANN])
    api = api_world(tmp_path, runtime=local.runtime)
    try:
        assert api.call("GET", f"/integrations/{KEY}").json["managed_by"] is None
        answer = api.call(
            "PUT", f"/integrations/{KEY}/mailboxes/{ANN}", {"address": ANN, "poll_interval_seconds": 900}
        )
        assert answer.status == 200
    finally:
        api.close()
