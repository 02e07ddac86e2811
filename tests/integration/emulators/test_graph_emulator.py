"""The Graph emulator over HTTPS with requests, as Microsoft Graph answers: folders, delta rounds,
immutable ids, MIME and attachments, $filter, $batch with its concurrency limit, and errors."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
import requests

from emulators.graph import GraphEmulator
from emulators.identity import IdentityEmulator
from emulators.server import EmulatorServer, running
from emulators.tls import TlsFiles, self_signed
from tests.integration.test_graph_support import ANN, BOB, CLIENT_ID, GRAPH, TENANT, message, write_corpus

pytestmark = pytest.mark.integration
IMMUTABLE = 'IdType="ImmutableId"'


@dataclass
class Graph:
    emulator: GraphEmulator
    server: EmulatorServer
    identity: IdentityEmulator
    tls: TlsFiles
    files: dict[str, bytes]
    token: str

    def get(self, path: str, token: str | None = None, prefer: str = "", **params: str) -> requests.Response:
        url = path if path.startswith("https://") else f"{self.server.url}/v1.0{path}"
        headers = {"Authorization": f"Bearer {token or self.token}"}
        if prefer:
            headers["Prefer"] = prefer
        return requests.get(
            url, params=params or None, headers=headers, verify=str(self.tls.cert), timeout=10
        )

    def batch(self, requests_: list[dict[str, Any]]) -> requests.Response:
        return requests.post(
            f"{self.server.url}/v1.0/$batch",
            json={"requests": requests_},
            headers={"Authorization": f"Bearer {self.token}"},
            verify=str(self.tls.cert),
            timeout=10,
        )


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[Graph]:
    files = write_corpus(tmp_path / "data", count=15)
    tls = self_signed(tmp_path / "tls")
    idp = IdentityEmulator()
    idp.add_app(TENANT, CLIENT_ID, secret="s", roles={GRAPH: ["Mail.Read"]})
    with idp.serving(tls=tls):
        emulator = GraphEmulator.from_directory(tmp_path / "data", idp.verifier())
        token = idp.app_token(TENANT, CLIENT_ID, GRAPH)
        with running(emulator.server(0, tls=tls)) as server:
            yield Graph(emulator, server, idp, tls, files, token)


def _round(
    graph: Graph, url: str, prefer: str = IMMUTABLE, **params: str
) -> tuple[list[dict[str, Any]], str, int]:
    """Follow nextLinks to the deltaLink: (values, deltaLink, pages)."""
    values, pages = [], 0
    response = graph.get(url, prefer=prefer, **params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        values += body["value"]
        pages += 1
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return values, body["@odata.deltaLink"], pages
        response = graph.get(body["@odata.nextLink"], prefer=prefer)


def test_folders_list_page_and_nest_and_their_delta_holds_the_whole_tree(graph: Graph) -> None:
    top = graph.get(f"/users/{ANN}/mailFolders", **{"$top": "4"}).json()
    rest = graph.get(top["@odata.nextLink"]).json()
    names = [f["displayName"] for f in top["value"] + rest["value"]]
    assert len(top["value"]) == 4 and "Archive" in names and "Inbox" in names and "Projects" not in names
    inbox = graph.get(f"/users/{ANN}/mailFolders/inbox").json()
    children = graph.get(f"/users/{ANN}/mailFolders/{inbox['id']}/childFolders").json()["value"]
    assert [c["displayName"] for c in children] == ["Projects"] and children[0]["parentFolderId"] == inbox[
        "id"
    ]
    assert inbox["childFolderCount"] == 1 and inbox["totalItemCount"] == 6

    tree, link, _ = _round(graph, f"/users/{ANN}/mailFolders/delta")
    assert {f["displayName"] for f in tree} >= {"Inbox", "Projects", "Archive", "Sent Items"}
    graph.emulator.store.add_folder(ANN, "Inbox/Clients")
    graph.emulator.store.delete_folder(ANN, "Inbox/Projects")
    changed, _, _ = _round(graph, link)
    assert {(f.get("displayName"), "@removed" in f) for f in changed} == {("Clients", False), (None, True)}


def test_a_delta_round_pages_and_then_reports_adds_moves_and_deletes(graph: Graph) -> None:
    # GIVEN a first round in pages of 2 over the 6 Inbox emails
    values, link, pages = _round(
        graph,
        f"/users/{ANN}/mailFolders/inbox/messages/delta",
        prefer=f"odata.maxpagesize=2, {IMMUTABLE}",
        **{"$select": "subject,internetMessageId"},
    )
    assert (len(values), pages) == (6, 3)
    assert set(values[0]) == {"@odata.type", "@odata.etag", "id", "subject", "internetMessageId"}
    store = graph.emulator.store
    first, second = values[0]["id"], values[1]["id"]

    # WHEN one email arrives, one moves to Archive, one is deleted
    added = store.add(ANN, "Inbox", message(50, "Gus <gus@fabrikam.example>"))
    assert store.move(ANN, first, "Archive") == first  # the immutable id survives the move
    store.delete(ANN, second)

    # THEN the deltaLink reports exactly that, keeping $select from the first request
    changed, _, _ = _round(graph, link)
    removed = {v["id"] for v in changed if "@removed" in v}
    assert removed == {first, second}
    assert [v["id"] for v in changed if "@removed" not in v] == [added]
    folders = graph.get(f"/users/{ANN}/mailFolders", **{"$top": "50"}).json()["value"]
    archive_id = next(f["id"] for f in folders if f["displayName"] == "Archive")
    archive = graph.get(f"/users/{ANN}/mailFolders/{archive_id}/messages", prefer=IMMUTABLE).json()["value"]
    assert first in {m["id"] for m in archive}
    # AND without the Prefer header ids are REST ids, which name the folder and so change on a move
    rest = graph.get(f"/users/{ANN}/mailFolders/{archive_id}/messages").json()["value"]
    assert first not in {m["id"] for m in rest}


def test_changetype_and_the_received_filter_narrow_a_round(graph: Graph) -> None:
    url = f"/users/{ANN}/mailFolders/inbox/messages/delta"
    values, _, _ = _round(graph, url, **{"$filter": "receivedDateTime ge 2024-03-04T00:00:00Z"})
    received = [graph.get(f"/users/{ANN}/messages/{v['id']}", prefer=IMMUTABLE).json() for v in values]
    assert values and all(m["receivedDateTime"] >= "2024-03-04" for m in received)
    assert graph.get(url, **{"$filter": "subject eq 'x'"}).status_code == 400
    assert graph.get(url, changeType="moved").status_code == 400


def test_mime_and_attachments_are_served_as_graph_does(graph: Graph) -> None:
    listed = graph.get(
        f"/users/{ANN}/messages", prefer=IMMUTABLE, **{"$filter": "hasAttachments eq true", "$top": "50"}
    ).json()["value"]
    with_pdf = next(m for m in listed if m["internetMessageId"] == "<shipment-0.0@mail.contoso.example>")
    mime = graph.get(f"/users/{ANN}/messages/{with_pdf['id']}/$value").content
    assert mime == graph.files["Inbox/000.eml"]
    attachments = graph.get(
        f"/users/{ANN}/messages/{with_pdf['id']}/attachments", **{"$select": "id,name,size,contentType"}
    ).json()["value"]
    assert [(a["name"], a["contentType"]) for a in attachments] == [("manifest-0.pdf", "application/pdf")]
    assert "contentBytes" not in attachments[0]
    raw = graph.get(
        f"/users/{ANN}/messages/{with_pdf['id']}/attachments/{attachments[0]['id']}/$value"
    ).content
    full = graph.get(f"/users/{ANN}/messages/{with_pdf['id']}/attachments/{attachments[0]['id']}").json()
    assert (
        raw.startswith(b"%PDF") and base64.b64decode(full["contentBytes"]) == raw and full["size"] == len(raw)
    )
    # an inline image is not an attachment for hasAttachments
    inline = message_from_bytes(graph.files["Inbox/001.eml"])
    assert inline["Message-ID"] not in {m["internetMessageId"] for m in listed}
    bad = graph.get(f"/users/{ANN}/messages", **{"$select": "subject,sizeInBytes"})
    assert bad.status_code == 400 and "sizeInBytes" in bad.json()["error"]["message"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("categories/any(c:c eq 'customer')", {"001", "003", "007", "009", "013"}),
        ("from/emailAddress/address eq 'DAN@northwind.example'", {"001", "005", "013"}),
        (
            "hasAttachments eq true and not (categories/any(c:c eq 'Invoice'))",
            {"000", "003", "005", "006", "009", "012"},
        ),
        (
            "receivedDateTime lt 2024-03-02T00:00:00Z or categories/any(c:c eq 'Partner')",
            {"000", "001", "005", "011"},
        ),
    ],
)
def test_filter_on_messages(graph: Graph, query: str, expected: set[str]) -> None:
    values = graph.get(f"/users/{ANN}/messages", **{"$filter": query, "$top": "100"}).json()["value"]
    assert {v["internetMessageId"].split("-")[1].split(".")[0].zfill(3) for v in values} == expected


def test_batch_runs_at_most_four_at_once_per_mailbox_unless_chained(graph: Graph) -> None:
    inbox = f"/users/{ANN}/mailFolders/inbox"
    parallel = graph.batch([{"id": str(i), "method": "GET", "url": inbox} for i in range(6)]).json()[
        "responses"
    ]
    assert [r["status"] for r in parallel] == [200, 200, 200, 200, 429, 429]
    throttled = parallel[4]
    assert throttled["body"]["error"]["message"] == "Application is over its MailboxConcurrency limit."
    assert int(throttled["headers"]["Retry-After"]) >= 1
    chained = [
        {"id": str(i), "method": "GET", "url": inbox, **({"dependsOn": [str(i - 4)]} if i >= 4 else {})}
        for i in range(20)
    ]
    assert {r["status"] for r in graph.batch(chained).json()["responses"]} == {200}
    assert graph.batch([*chained, {"id": "20", "method": "GET", "url": inbox}]).status_code == 400


def test_batch_answers_mime_base64_and_fails_dependants_with_424(graph: Graph) -> None:
    message_id = graph.get(f"/users/{ANN}/mailFolders/inbox/messages").json()["value"][0]["id"]
    answers = graph.batch(
        [
            {"id": "mime", "method": "GET", "url": f"/users/{ANN}/messages/{message_id}/$value"},
            {"id": "nobody", "method": "GET", "url": "/users/nobody@contoso.example/messages"},
            {"id": "after", "method": "GET", "url": f"/users/{ANN}/mailFolders", "dependsOn": ["nobody"]},
        ]
    ).json()["responses"]
    by_id = {a["id"]: a for a in answers}
    assert base64.b64decode(by_id["mime"]["body"]).startswith(b"From: ")
    assert (by_id["nobody"]["status"], by_id["nobody"]["body"]["error"]["code"]) == (404, "ErrorInvalidUser")
    assert by_id["after"]["status"] == 424


def test_errors_have_graphs_status_code_and_shape(graph: Graph) -> None:
    store, identity = graph.emulator.store, graph.identity
    no_token = requests.get(
        f"{graph.server.url}/v1.0/users/{ANN}/messages", verify=str(graph.tls.cert), timeout=10
    )
    assert (no_token.status_code, no_token.json()["error"]["code"]) == (401, "InvalidAuthenticationToken")
    assert "Bearer" in no_token.headers["WWW-Authenticate"]
    outlook = identity.app_token(TENANT, CLIENT_ID, "https://outlook.office365.com")
    assert graph.get(f"/users/{ANN}/messages", token=outlook).status_code == 401  # wrong audience
    identity.add_app(TENANT, "no-mail-app", secret="s", roles={GRAPH: ["User.Read.All"]})
    no_role = graph.get(f"/users/{ANN}/messages", token=identity.app_token(TENANT, "no-mail-app", GRAPH))
    assert (no_role.status_code, no_role.json()["error"]["code"]) == (403, "ErrorAccessDenied")
    identity.add_user(TENANT, ANN, "pw")
    mine = identity.user_token(TENANT, CLIENT_ID, ANN, f"{GRAPH}/Mail.Read")
    assert graph.get("/me/mailFolders/inbox", token=mine).status_code == 200
    assert graph.get(f"/users/{BOB}/mailFolders", token=mine).status_code in (403, 404)
    assert graph.get("/me/mailFolders").status_code == 400  # /me needs a delegated token
    unknown = graph.get("/users/nobody@contoso.example/mailFolders")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "ErrorInvalidUser")
    assert set(unknown.json()["error"]["innerError"]) >= {"date", "request-id", "client-request-id"}
    assert graph.get(f"/users/{ANN}/messages/AAMkAGI2bogus").status_code == 404

    _, link, _ = _round(graph, f"/users/{ANN}/mailFolders/inbox/messages/delta")
    store.invalidate_delta_tokens(ANN)
    gone = graph.get(link)
    assert (gone.status_code, gone.json()["error"]["code"]) == (410, "syncStateNotFound")
    assert graph.get(link.replace("deltatoken=", "deltatoken=x")).status_code == 410

    graph.emulator.faults.fail_next(ANN, 1, status=429, retry_after=7)
    graph.emulator.faults.fail_next(ANN, 1, status=503, retry_after=2)
    throttled, unavailable = graph.get(f"/users/{ANN}/mailFolders"), graph.get(f"/users/{ANN}/mailFolders")
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "7")
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "2")
    assert graph.get(f"/users/{ANN}/mailFolders").status_code == 200
