"""Sources: one subpackage per system. Imported lazily so a Lambda loads only its own client."""

from __future__ import annotations

from commsync.models import Integration, Mailbox, SourceKind
from commsync.ports import SecretStore, Source


def open_source(integration: Integration, mailbox: Mailbox, secrets: SecretStore) -> Source:
    if integration.kind is SourceKind.EML:
        from commsync.sources.eml import EmlSource

        return EmlSource.for_mailbox(integration, mailbox)
    # Later issues add ews, graph and salesforce here.
    raise NotImplementedError(f"source kind {integration.kind} is not available in this version")
