"""The console's routes (issue 12): public static assets served by the API itself, with the right
types and headers, nothing but the shipped files, and no data or secret in them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from commsync.api.schemas import ScheduleUpdate
from commsync.console import CONTENT_TYPES, asset_names
from commsync.models.subscription import SubscriptionProtocol
from tests.support.api import ApiWorld, api_world

SECRET = "Winter-2024-sync!"
STATIC = Path(__file__).parents[2] / "layers/commsync/commsync/console/static"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ApiWorld]:
    built = api_world(tmp_path)
    yield built
    built.close()


def test_the_console_page_is_public_html_that_loads_its_module_from_this_api(world: ApiWorld) -> None:
    # GIVEN no token at all, WHEN the console is asked for
    page = world.call("GET", "/console", as_=None)
    # THEN it is the HTML shell, which names its assets relative to /console (so /v1/console works)
    assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="console/app.js">' in page.text
    assert 'href="console/console.css"' in page.text
    # AND the browser may run only this API's own scripts, and nothing may frame it
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and not re.search(r"https?://", policy)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("name", [n for n in asset_names() if n != "index.html"])
def test_every_shipped_asset_is_served_with_its_content_type(world: ApiWorld, name: str) -> None:
    response = world.call("GET", f"/console/{name}", as_=None)
    assert response.status == 200
    assert response.headers["Content-Type"] == CONTENT_TYPES[Path(name).suffix]
    assert response.text == (STATIC / name).read_text()


def test_the_assets_reference_only_each_other_and_no_outside_origin() -> None:
    # GIVEN the shipped files, WHEN every import and asset reference is listed
    static = STATIC
    names = set(asset_names())
    scripts = [f.read_text() for f in static.glob("*.js")]
    imports = [m for text in scripts for m in re.findall(r'^import .* from "([^"]+)";$', text, re.M)]
    linked = re.findall(r'(?:src|href)="([^"#][^"]*)"', (static / "index.html").read_text())
    # THEN each is a file of the package: nothing comes from a CDN, nothing needs a build step
    assert imports and all(i.startswith("./") and i[2:] in names for i in imports)
    assert all(link.startswith("console/") and link[8:] in names for link in linked)
    # AND the stylesheet loads nothing, the scripts fetch only through the API client
    assert not re.search(r"url\(|@import", (static / "console.css").read_text())
    assert [f.name for f in static.glob("*.js") if "fetch(" in f.read_text()] == ["api.js"]


@pytest.mark.parametrize(
    "path",
    [
        "/console/index.html",
        "/console/missing.js",
        "/console/.env",
        "/console/__init__.py",
        "/console/%2e%2e%2fapp.py",
    ],
)
def test_anything_but_a_shipped_asset_is_not_found(world: ApiWorld, path: str) -> None:
    response = world.call("GET", path, as_=None)
    assert response.status == 404 and response.json["error"] == "not_found"


def test_a_trailing_slash_leads_back_to_the_page_its_relative_urls_fit(world: ApiWorld) -> None:
    response = world.call("GET", "/console/", as_=None)
    assert (response.status, response.headers["Location"]) == (301, "../console")


def test_the_console_routes_stay_out_of_the_openapi_document(world: ApiWorld) -> None:
    paths = world.call("GET", "/openapi.json", as_=None).json["paths"]
    assert not [p for p in paths if p.startswith("/console")]
    assert {"/metrics", "/me", "/buckets/{bucket}/comments/{comment_id}/history"} <= set(paths)


def test_no_secret_reaches_the_page_or_any_answer_the_console_reads(world: ApiWorld) -> None:
    # GIVEN an integration whose password was set through the API
    body = {
        "project": "acme",
        "name": "exchange",
        "kind": "ews",
        "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
        "bucket": "acme-mail",
        "secret_values": {"username": "ACME\\svc-sync", "password": SECRET},
    }
    assert world.call("POST", "/integrations", body).status == 201
    world.call("POST", "/integrations/acme/exchange/mailboxes", {"address": "ann@acme.example"})
    # WHEN the console's page and every answer it reads are fetched
    pages = [world.call("GET", "/console", as_=None).text]
    pages += [world.call("GET", f"/console/{n}", as_=None).text for n in asset_names() if n != "index.html"]
    for path in (
        "/integrations",
        "/integrations/acme/exchange",
        "/status",
        "/metrics",
        "/me",
        "/integrations/acme/exchange/mailboxes",
    ):
        answer = world.call("GET", path)
        assert answer.status == 200, (path, answer.text)
        pages.append(answer.text)
    # THEN the password is nowhere, and the token the caller holds is not echoed either
    assert all(SECRET not in text and world.tokens["modify"] not in text for text in pages)


def test_the_console_offers_what_the_subscription_and_schedule_routes_accept() -> None:
    # GIVEN the protocols the subscribe form offers and the batch size the schedules page sends
    notifications = (STATIC / "notifications.js").read_text()
    offered = re.findall(r'^  \["([a-z-]+)", "[^"]+", "[^"]+"\],$', notifications, re.M)
    schedules = (STATIC / "schedules.js").read_text()
    per_request = re.search(r"^export const PER_REQUEST = (\d+);$", schedules, re.M)
    limits = ScheduleUpdate.model_fields["mailboxes"].metadata
    # THEN they are exactly the API's protocols and its per-request limit: no option the API
    # refuses, none it accepts left out, and no batch bigger than it takes
    assert offered == [p.value for p in SubscriptionProtocol]
    most = [getattr(m, "max_length", None) for m in limits if getattr(m, "max_length", None)]
    assert per_request is not None and [int(per_request.group(1))] == most


def test_a_view_only_token_may_manage_subscriptions_so_the_console_shows_it_the_controls(
    world: ApiWorld,
) -> None:
    # GIVEN an integration, and a caller who may only view
    body = {
        "project": "acme",
        "name": "exchange",
        "kind": "ews",
        "endpoint": "https://mail.acme.example/EWS/Exchange.asmx",
        "bucket": "acme-mail",
    }
    assert world.call("POST", "/integrations", body).status == 201
    path = "/integrations/acme/exchange/subscriptions"
    # WHEN it subscribes and unsubscribes, as the integration page lets it
    made = world.call("POST", path, {"protocol": "email", "endpoint": "oncall@acme.example"}, as_="view")
    assert made.status == 201, made.text
    gone = world.call("DELETE", f"{path}/{made.json['id']}", as_="view")
    # THEN the API allows both, while the bulk schedule (shown to modify callers only) is refused
    assert gone.status == 204 and world.call("GET", path, as_="view").json == []
    mailbox = {"integration": "acme/exchange", "address": "ann@acme.example"}
    schedule = {"poll_interval_seconds": 60, "mailboxes": [mailbox]}
    assert world.call("POST", "/schedules", schedule, as_="view").status == 403
