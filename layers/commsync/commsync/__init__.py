"""commsync: sync mailboxes and CRM records into clean, enriched comment records."""

__version__ = "0.1.0"
