"""Sources: one subpackage per system. Imported lazily so a Lambda loads only its own client."""

from __future__ import annotations

from collections.abc import Callable

from commsync.models import Integration, Mailbox, SourceKind
from commsync.ports import SecretStore, Source


def open_source(
    integration: Integration,
    mailbox: Mailbox,
    secrets: SecretStore,
    seconds_left: Callable[[], float] = lambda: 300.0,
) -> Source:
    """`seconds_left` bounds any wait on a busy server (docs/architecture.md#sources: retries never outlive
    the invocation)."""
    if integration.kind is SourceKind.EML:
        from commsync.sources.eml import EmlSource

        return EmlSource.for_mailbox(integration, mailbox)
    if integration.kind is SourceKind.EWS:
        from commsync.sources.ews import EwsSource

        return EwsSource.open(integration, mailbox, secrets, seconds_left)
    if integration.kind is SourceKind.GRAPH:
        from commsync.sources.graph import GraphSource

        return GraphSource.open(integration, mailbox, secrets, seconds_left)
    if integration.kind is SourceKind.SALESFORCE:
        from commsync.sources.salesforce import SalesforceSource

        return SalesforceSource.open(integration, mailbox, secrets, seconds_left)
    raise NotImplementedError(f"source kind {integration.kind} is not available in this version")
