"""Salesforce objects (EmailMessage, Case, custom objects) through the REST API with plain requests."""

from commsync.sources.salesforce.source import SalesforceSource

__all__ = ["SalesforceSource"]
