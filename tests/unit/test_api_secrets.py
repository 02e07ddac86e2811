"""Secrets are write-only through the API: accepted, stored, never in a response or a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from commsync.observability import logger
from tests.support.api import ApiWorld, api_world

PASSWORD = "Tr0ub4dor&3-horse-battery"  # test credential
CLIENT_SECRET = "Qx8~client.secret_value-42"  # test credential


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """Every record of commsync's and Powertools' loggers, at DEBUG, formatted as they would be."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    watched = [
        logging.getLogger(logger.name),
        logging.getLogger("aws_lambda_powertools"),
        logging.getLogger(),
    ]
    levels = [w.level for w in watched]
    for watched_logger in watched:
        watched_logger.addHandler(handler)
        watched_logger.setLevel(logging.DEBUG)
    yield stream
    for watched_logger, level in zip(watched, levels, strict=True):
        watched_logger.removeHandler(handler)
        watched_logger.setLevel(level)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    world = api_world(tmp_path)
    yield world
    world.close()


def test_a_secret_set_through_the_api_appears_in_no_response_and_no_log_line(
    world: ApiWorld, log: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an EWS integration created and updated with secrets, then read every way there is
    ews = {
        "project": "acme",
        "name": "exchange",
        "kind": "ews",
        "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
        "bucket": "acme-mail",
        "secret_values": {"username": "CORP\\svc-sync", "password": PASSWORD},
    }
    graph = {
        "project": "acme",
        "name": "outlook",
        "kind": "graph",
        "endpoint": "https://graph.microsoft.com/v1.0",
        "bucket": "acme-mail",
        "options": {"client_id": "app-1", "tenant": "contoso"},
        "secret_values": {"client_secret": CLIENT_SECRET},
    }
    responses = [
        world.call("POST", "/integrations", ews),
        world.call("POST", "/integrations", graph),
        world.call(
            "PUT", "/integrations/acme/exchange", {**ews, "secret_values": {"password": PASSWORD + "!"}}
        ),
        # refused bodies that carry a secret: the error names the field, never echoes the value
        world.call(
            "POST", "/integrations", {**ews, "name": "bad name", "secret_values": {"password": PASSWORD}}
        ),
        world.call("POST", "/integrations", {**ews, "name": "x2", "secret_values": {"bad key!": PASSWORD}}),
        world.call(
            "POST", "/integrations", {**ews, "name": "x3", "secret_values": {"password": ["not", PASSWORD]}}
        ),
        world.call("POST", "/integrations", raw_body='{"secret_values": {"password": "' + PASSWORD + '"'),
        world.call("GET", "/integrations", as_="view"),
        world.call("GET", "/integrations/acme/exchange", as_="view"),
        world.call("GET", "/integrations/acme/outlook", as_="view"),
        world.call("GET", "/status", as_="view"),
        world.call("GET", "/integrations/acme/outlook/oauth2/authenticate"),
    ]

    # WHEN everything the API said and logged is collected
    said = "\n".join(r.text + str(r.headers) for r in responses)
    printed = capsys.readouterr()
    logged = log.getvalue() + printed.out + printed.err

    # THEN the secrets were stored, and appear nowhere else
    assert [r.status for r in responses[:3]] == [201, 201, 200]
    # three invalid bodies, then one that is not JSON at all (issue 16: 400, not 422)
    assert [r.status for r in responses[3:7]] == [422, 422, 422, 400]
    stored = world.engine.secrets.get("acme/exchange")["password"].get_secret_value()
    assert stored == PASSWORD + "!"
    for secret in (PASSWORD, CLIENT_SECRET):
        assert secret not in said
        assert secret not in logged
    assert "Found a registered route" in logged  # the capture works: DEBUG lines are in it
    assert responses[9].json["secret"] == {"name": "acme/outlook", "set": True, "keys": ["client_secret"]}
