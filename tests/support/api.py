"""The management API in a test: the real app on the local adapters, called with API Gateway
REST proxy events shaped like events/api_health.json (unit), or over HTTP via `commsync serve`."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from commsync.api.app import build_app
from commsync.api.auth import TokenTable
from commsync.api.context import ApiContext, Authenticator, OAuthPages
from commsync.api.links import LocalLinks
from commsync.api.tokens import issue_token
from commsync.local_config import LocalConfig
from commsync.local_mode import LocalRuntime, open_local
from commsync.models.access import ApiToken, Permission
from commsync.models.common import utc_now
from tests.support.handlers import LambdaContext, event

BASE_URL = "http://127.0.0.1:8787"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    def field_names(self) -> list[str]:
        return [f["field"] for f in self.json.get("fields", [])]


def api_event(
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    query: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    """What API Gateway hands the function for a request routed through /{proxy+}."""
    request = copy.deepcopy(event("api_health.json"))
    headers = dict(request["headers"], **{"Content-Type": "application/json"})
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    request.update(
        resource="/{proxy+}",
        path=path,
        httpMethod=method,
        headers=headers,
        multiValueHeaders={k: [v] for k, v in headers.items()},
        queryStringParameters=query or None,
        multiValueQueryStringParameters={k: [v] for k, v in query.items()} if query else None,
        pathParameters={"proxy": path.lstrip("/")},
        body=text,
    )
    request["requestContext"].update(resourcePath="/{proxy+}", httpMethod=method, path=f"/v1{path}")
    if authorizer is not None:
        request["requestContext"]["authorizer"] = authorizer
    return request


def to_response(result: dict[str, Any]) -> ApiResponse:
    headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.setdefault(name, str(values[-1]))
    return ApiResponse(int(result["statusCode"]), headers, result.get("body") or "")


@dataclass
class ApiWorld:
    """A local-mode store with the API app over it and one token per permission."""

    app: APIGatewayRestResolver
    runtime: LocalRuntime
    store: Path
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> Any:
        return self.runtime.engine

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        as_: str | None = "modify",
        query: dict[str, str] | None = None,
        raw_body: str | None = None,
    ) -> ApiResponse:
        token = self.tokens.get(as_, as_) if as_ else None
        request = api_event(method, path, body, token=token, query=query, raw_body=raw_body)
        return to_response(self.app.resolve(request, LambdaContext("api")))  # type: ignore[arg-type]

    def close(self) -> None:
        self.runtime.close()


def tokens_for(names: dict[str, list[Permission]]) -> tuple[dict[str, str], list[ApiToken]]:
    plain: dict[str, str] = {}
    records: list[ApiToken] = []
    for name, permissions in names.items():
        token, record = issue_token(name, permissions, utc_now())
        plain[name], records = token, [*records, record]
    return plain, records


def api_world(
    tmp: Path,
    return_pages: list[str] | None = None,
    clock: Callable[[], datetime] | None = None,
    authenticate: Authenticator | None = None,
    runtime: LocalRuntime | None = None,
    managed: dict[str, str] | None = None,
) -> ApiWorld:
    """`runtime`: an existing local world (e.g. tests.support.local) to put the API over;
    `managed`: integration keys defined by a config file (api/managed.py)."""
    if runtime is None:
        runtime = open_local(LocalConfig(store=tmp / "store", secrets_file=tmp / "secrets.toml"))
    store = runtime.config.store
    if clock is not None:
        runtime.engine.clock = clock
    plain, records = tokens_for({"view": [Permission.VIEW], "modify": [Permission.MODIFY]})
    context = ApiContext(
        engine_factory=lambda: runtime.engine,
        authenticate=authenticate or TokenTable(records),
        links=LocalLinks(store, BASE_URL),
        oauth=OAuthPages(return_pages=return_pages or [], base_url=BASE_URL),
        managed=managed or {},
    )
    return ApiWorld(app=build_app(context), runtime=runtime, store=store, tokens=plain)
