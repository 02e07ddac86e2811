"""Authenticated GETs on the org's instance, with a session shared across polls, renewed once on 401.

PROTOCOLS.md 3: Salesforce's token response has no `expires_in`; a session lives per the org's
session policy and is renewed when a call answers 401 INVALID_SESSION_ID. So the session comes from
the process-wide cache (session_cache.py) and only that answer, or `session_reuse_seconds`, renews
it. All data calls go to the `instance_url` of the token response. Server trouble (503, connection
errors) is retried while the invocation's time allows; REQUEST_LIMIT_EXCEEDED never is (the
allocation is a 24-hour one).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import requests

from commsync.errors import IntegrationError
from commsync.models import Integration
from commsync.models.salesforce import SalesforceOptions
from commsync.observability import logger
from commsync.ports import SecretStore
from commsync.services.oauth import refresh_access_token
from commsync.services.oauth_providers import LOOPBACK_HTTP
from commsync.sources.salesforce.describe_cache import Scope
from commsync.sources.salesforce.errors import SalesforceApiError
from commsync.sources.salesforce.session_cache import SESSIONS, Renewed, SessionCache, digest
from commsync.sources.tls_http import TlsHttpAdapter

_RETRIED_STATUSES = {500, 502, 503, 504}
_FIRST_BACKOFF_SECONDS = 1.0
_ATTEMPTS = 3
# Query batches: Sforce-Query-Options batchSize accepts 200..2000 (REST API "Query Options Header").
MIN_BATCH, MAX_BATCH = 200, 2000
# Share of the org's daily allocation past which a poll logs a warning (other apps share it too).
USAGE_WARNING = 0.9


class RestClient:
    def __init__(
        self,
        integration: Integration,
        secrets: SecretStore,
        seconds_left: Callable[[], float],
        sleep: Callable[[float], None] = time.sleep,
        sessions: SessionCache = SESSIONS,
    ) -> None:
        self._integration = integration
        self._sessions = sessions
        self._options = integration.typed_options(SalesforceOptions)
        self._secrets = secrets
        self._seconds_left = seconds_left
        self._sleep = sleep
        self._session = requests.Session()
        # The adapter applies options.ca_bundle over REQUESTS_CA_BUNDLE (see sources/ews/transport.py).
        adapter = TlsHttpAdapter(ca_bundle=self._options.ca_bundle, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._access_token = ""
        self._grant = ""
        self.instance_url = ""
        self.api_usage: tuple[int, int] | None = None  # from Sforce-Limit-Info: (used, allocation)
        self._warned = False

    @property
    def data_path(self) -> str:
        return f"/services/data/v{self._options.api_version}"

    @property
    def scope(self) -> Scope:
        """Whose describes these are (describe_cache.py); valid once authenticated."""
        return Scope(self._integration.key, self._grant, self.instance_url, self._options.api_version)

    def authenticate(self, refused: str | None = None) -> None:
        """A session: the cached one unless it is `refused`, else one renewed from the stored refresh
        token (IntegrationError when that is revoked)."""
        session = self._sessions.session(
            self._integration.key,
            self._refresh_digest(),
            self._options.session_reuse_seconds,
            self._renew,
            refused,
        )
        self._access_token, self.instance_url, self._grant = (
            session.access_token,
            session.instance_url,
            session.grant,
        )

    def _renew(self) -> Renewed:
        token = refresh_access_token(self._secrets, self._integration)
        instance = (token.instance_url or self._integration.endpoint).rstrip("/")
        insecure_ok = self._options.allow_insecure_loopback and instance.startswith(LOOPBACK_HTTP)
        if not instance.startswith("https://") and not insecure_ok:
            raise IntegrationError(f"Salesforce named an instance URL that is not https: {instance[:200]}")
        # Read again: a connected app that rotates refresh tokens stored a new one just now.
        return Renewed(token.access_token, instance, self._refresh_digest() or "")

    def _refresh_digest(self) -> str | None:
        """The stored refresh token's digest; None when there is none (renewing then says why)."""
        stored = self._secrets.get(self._integration.secret or "").get("refresh_token")
        return digest(stored.get_secret_value()) if stored is not None else None

    def get(
        self, path: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        """GET a path of the instance; renews the session once on 401, retries server trouble."""
        return self._call("GET", path, params, headers).json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        """POST JSON (a Bulk API 2.0 job); the answer's JSON."""
        return self._call("POST", path, None, None, body).json()

    def get_text(self, path: str, params: dict[str, str] | None = None) -> tuple[str, dict[str, str]]:
        """A text answer (Bulk API 2.0 CSV results) and its headers."""
        response = self._call("GET", path, params, {"Accept": "text/csv"})
        return response.text, dict(response.headers)

    def _call(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        body: dict[str, Any] | None = None,
    ) -> requests.Response:
        if not self._access_token:
            self.authenticate()
        response = self._send(path, params, headers, method, body)
        if response.status_code == 401:
            logger.info(
                "salesforce session expired; renewing it", extra={"integration": self._integration.key}
            )
            self.authenticate(refused=self._access_token)
            response = self._send(path, params, headers, method, body)
        if response.status_code != 200:
            raise SalesforceApiError.from_response(response)
        return response

    def query_batches(self, soql: str, batch_size: int) -> Iterator[list[dict[str, Any]]]:
        """The records of a query, one server batch at a time, following nextRecordsUrl."""
        size = max(MIN_BATCH, min(MAX_BATCH, batch_size))
        options = {"Sforce-Query-Options": f"batchSize={size}"}
        body = self.get(f"{self.data_path}/query", params={"q": soql}, headers=options)
        while True:
            yield list(body.get("records", []))
            next_url = body.get("nextRecordsUrl")
            if body.get("done", True) or not next_url:
                return
            body = self.get(str(next_url), headers=options)

    def close(self) -> None:
        self._session.close()

    def _send(
        self,
        path: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        method: str = "GET",
        body: dict[str, Any] | None = None,
    ) -> requests.Response:
        wait = _FIRST_BACKOFF_SECONDS
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                response = self._session.request(
                    method,
                    self.instance_url + path,
                    params=params,
                    json=body,
                    headers={
                        "Authorization": f"Bearer {self._access_token}",
                        "Accept": "application/json",
                        **(headers or {}),
                    },
                    timeout=self._options.request_timeout_seconds,
                )
            except (requests.ConnectionError, requests.Timeout):
                if attempt == _ATTEMPTS or not self._may_wait(wait):
                    raise
            else:
                self._note_usage(response)
                if response.status_code not in _RETRIED_STATUSES or attempt == _ATTEMPTS:
                    return response
                retry_after = response.headers.get("Retry-After", "")
                wait = float(retry_after) if retry_after.isdigit() else wait
                if not self._may_wait(wait):
                    return response
            self._sleep(wait)
            wait *= 2
        raise AssertionError("unreachable")

    def _may_wait(self, seconds: float) -> bool:
        return seconds <= self._seconds_left()

    def _note_usage(self, response: requests.Response) -> None:
        # "Sforce-Limit-Info: api-usage=25/15000" on every REST answer.
        info = response.headers.get("Sforce-Limit-Info", "")
        for part in info.split(","):
            name, _, value = part.strip().partition("=")
            used, _, allocation = value.partition("/")
            if name == "api-usage" and used.isdigit() and allocation.isdigit():
                self.api_usage = (int(used), int(allocation))
                if not self._warned and int(used) >= USAGE_WARNING * int(allocation):
                    # On the first answer past the mark, whichever call of the poll it is (issue 19),
                    # and once per source: near the limit every call would repeat it.
                    self._warned = True
                    logger.warning(
                        "salesforce org is near its daily API request limit",
                        extra={"integration": self._integration.key, "api_usage": value},
                    )
