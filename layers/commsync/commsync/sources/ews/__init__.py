"""Exchange Web Services through exchangelib (on-prem 2010-2019 and Exchange Online)."""

from commsync.sources.ews.source import EwsSource

__all__ = ["EwsSource"]
