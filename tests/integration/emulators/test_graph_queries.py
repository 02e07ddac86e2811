"""The Graph emulator refuses what Graph refuses and answers what Graph answers, through requests:
unknown query options, the InefficientFilter rule, $search limits, @odata.context, well-known
folders outside the IPM tree, and immutable ids that survive a restart."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from emulators.graph import GraphEmulator
from emulators.server import running
from tests.integration.clients.graph_world import ANN, CLIENT_ID, TENANT, World, world
from tests.integration.test_graph_support import GRAPH

pytestmark = pytest.mark.integration
INBOX = f"/users/{ANN}/mailFolders/inbox/messages"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as found:
        yield found


def _get(
    env: World, path: str, prefer: str = "", base: str | None = None, **params: str
) -> requests.Response:
    token = env.identity.app_token(TENANT, CLIENT_ID, GRAPH)
    headers = {"Authorization": f"Bearer {token}", **({"Prefer": prefer} if prefer else {})}
    url = f"{env.base_url if base is None else base}{path}"
    return requests.get(url, params=params, headers=headers, verify=str(env.tls.cert), timeout=10)


def _code(response: requests.Response) -> tuple[int, str]:
    body: dict[str, Any] = response.json()
    return response.status_code, body["error"]["code"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"$frobnicate": "1"}, (400, "BadRequest")),
        ({"$deltatoken": "x"}, (400, "BadRequest")),  # not an option of a plain list
        ({"$count": "yes"}, (400, "BadRequest")),
        ({"$orderby": "subject", "$filter": "hasAttachments eq true"}, (400, "InefficientFilter")),
        ({"$orderby": "flavour desc"}, (400, "RequestBroker--ParseUri")),
        ({"$search": '"shipment"', "$filter": "isRead eq false"}, (400, "BadRequest")),
        ({"$search": "shipment"}, (400, "BadRequest")),  # the value must be quoted
        ({"$select": "subject,colour"}, (400, "RequestBroker--ParseUri")),
        ({"$expand": "mentions"}, (400, "BadRequest")),
    ],
)
def test_requests_graph_refuses_are_refused_with_its_error_body(
    env: World, params: dict[str, str], expected: tuple[int, str]
) -> None:
    assert _code(_get(env, INBOX, **params)) == expected


def test_a_filter_that_leads_with_the_ordered_property_sorts_as_asked(env: World) -> None:
    params = {"$filter": "receivedDateTime ge 2024-03-01T00:00:00Z", "$orderby": "receivedDateTime asc"}
    body = _get(env, INBOX, **params, **{"$count": "true", "$select": "receivedDateTime"}).json()
    times = [m["receivedDateTime"] for m in body["value"]]
    assert body["@odata.count"] == 6 and times == sorted(times)
    assert body["@odata.context"].endswith(
        "/$metadata#users('ann%40contoso.example')/mailFolders('inbox')/messages(receivedDateTime)"
    )


def test_one_message_names_its_entity_context_and_delta_answers_with_or_without_parentheses(
    env: World,
) -> None:
    first = _get(env, INBOX, **{"$top": "1"}).json()["value"][0]
    one = _get(env, f"/users/{ANN}/messages/{first['id']}").json()
    assert one["@odata.context"].endswith("/messages/$entity") and one["subject"] == first["subject"]
    plain = _get(env, INBOX.replace("/messages", "/messages/delta")).json()
    called = _get(env, INBOX.replace("/messages", "/messages/delta()")).json()
    assert len(plain["value"]) == len(called["value"]) == 6
    assert "/messages/delta?" in called["@odata.deltaLink"]


def test_recoverable_items_is_a_well_known_folder_outside_the_folder_tree(env: World) -> None:
    deletions = _get(env, f"/users/{ANN}/mailFolders/recoverableitemsdeletions").json()
    assert deletions["displayName"] == "Deletions"
    tree = _get(env, f"/users/{ANN}/mailFolders/delta").json()["value"]
    names = {f["displayName"] for f in tree}
    assert "Deletions" not in names and "Calendar" not in names and "Inbox" in names


def test_immutable_ids_and_delta_links_survive_a_restart_on_the_same_data(env: World) -> None:
    prefer = 'IdType="ImmutableId"'
    # GIVEN immutable ids read in one order, and a deltaLink
    oldest_first = {"$orderby": "receivedDateTime asc"}
    before = [m["id"] for m in _get(env, INBOX, prefer, **oldest_first).json()["value"]]
    link = _get(env, INBOX.replace("/messages", "/messages/delta"), prefer).json()["@odata.deltaLink"]
    # WHEN a second emulator starts on the same directory and ids are read in the other order
    second = GraphEmulator.from_directory(env.data, env.identity.verifier())
    with running(second.server(0, tls=env.tls)) as server:
        base = f"{server.url}/v1.0"
        after = [m["id"] for m in _get(env, INBOX, prefer, base=base).json()["value"]]
        again = _get(env, link.replace(env.base_url, base, 1), prefer, base="")
    # THEN the ids are the same, and the old deltaLink still answers (nothing changed)
    assert after == list(reversed(before))
    assert again.status_code == 200 and again.json()["value"] == []
