"""Open an exchangelib Account for one mailbox from an integration's options and secret.

Every Account gets a Protocol of its own (evicted from exchangelib's process-wide cache on
close), because that cache is keyed by endpoint and credentials only: a warm Lambda would
otherwise reuse the previous invocation's retry policy and sessions (PROTOCOLS.md section 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from exchangelib import DELEGATE, IMPERSONATION, Account, Build, Configuration, Credentials, Version
from exchangelib.protocol import CachingProtocol, Protocol
from exchangelib.transport import BASIC, NTLM, OAUTH2
from pydantic import SecretStr
from requests import Session

from commsync.errors import IntegrationError
from commsync.models import Integration
from commsync.models.ews import EXCHANGE_VERSIONS, EwsAccess, EwsAuth, EwsOptions
from commsync.sources.ews.oauth import MsalTokenCredentials
from commsync.sources.ews.retry import Deadline, once_more_after_a_read_timeout
from commsync.sources.ews.tokens import token_acquirer
from commsync.sources.ews.transport import EwsHttpAdapter

_AUTH_TYPES = {EwsAuth.NTLM: NTLM, EwsAuth.BASIC: BASIC, EwsAuth.OAUTH: OAUTH2}
# A server that names no back-off is retried after this, doubling (exchangelib's RETRY_WAIT is 10 s).
_FIRST_RETRY_SECONDS = 2


class CommsyncProtocol(Protocol):  # type: ignore[misc]
    """exchangelib's Protocol with our HTTP adapter mounted on each session it creates."""

    adapter_factory: Callable[[], EwsHttpAdapter]

    def create_session(self) -> Session:
        session: Session = super().create_session()
        session.mount(self.service_endpoint, self.adapter_factory())
        policy = self.retry_policy
        if isinstance(policy, Deadline):  # one more try after a read timeout (retry.py)
            session.post = once_more_after_a_read_timeout(session.post, policy.seconds_left, self.TIMEOUT)  # type: ignore[method-assign]
        return session


@dataclass
class Connection:
    account: Account
    protocol: CommsyncProtocol
    config: Configuration

    def close(self) -> None:
        self.protocol.close()
        with CachingProtocol._protocol_cache_lock:
            CachingProtocol._protocol_cache.pop((self.config.service_endpoint, self.config.credentials), None)


def connect(
    integration: Integration, address: str, secret: dict[str, SecretStr], seconds_left: Callable[[], float]
) -> Connection:
    options = integration.ews_options()
    config = Configuration(
        service_endpoint=integration.endpoint,
        credentials=_credentials(options, secret),
        auth_type=_AUTH_TYPES[options.auth],
        version=Version(build=Build(*EXCHANGE_VERSIONS[options.exchange_version])),
        retry_policy=Deadline(seconds_left),
        max_connections=options.max_connections,
    )
    # Created before the Account so that Account(config=...) finds this one in the cache.
    _evict(config)
    protocol = CommsyncProtocol(config=config)
    protocol.adapter_factory = lambda: EwsHttpAdapter(
        ciphers=options.ciphers,
        ca_bundle=options.ca_bundle,
        pool_block=True,
        pool_connections=1,
        pool_maxsize=1,
        max_retries=0,
    )
    protocol.TIMEOUT = options.request_timeout_seconds
    protocol.RETRY_WAIT = _FIRST_RETRY_SECONDS
    access = IMPERSONATION if options.access is EwsAccess.IMPERSONATION else DELEGATE
    account = Account(primary_smtp_address=address, config=config, autodiscover=False, access_type=access)
    return Connection(account=account, protocol=protocol, config=config)


def _evict(config: Configuration) -> None:
    with CachingProtocol._protocol_cache_lock:
        stale = CachingProtocol._protocol_cache.pop((config.service_endpoint, config.credentials), None)
    if stale and not isinstance(stale[0], Exception):
        stale[0].close()


def _credentials(options: EwsOptions, secret: dict[str, SecretStr]) -> Any:
    if options.auth is EwsAuth.OAUTH:
        assert options.client_id is not None
        return MsalTokenCredentials(token_acquirer(options, secret), client_id=options.client_id)
    missing = [key for key in ("username", "password") if key not in secret]
    if missing:
        raise IntegrationError(
            f"the integration's secret lacks {', '.join(missing)} (needed for {options.auth})"
        )
    return Credentials(secret["username"].get_secret_value(), secret["password"].get_secret_value())
