"""Microsoft Graph mail through requests and msal (Exchange Online, app-only or delegated)."""

from commsync.sources.graph.source import GraphSource

__all__ = ["GraphSource"]
