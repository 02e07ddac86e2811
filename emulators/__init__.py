"""Protocol emulators on loopback: EWS, Microsoft identity platform, Graph, Salesforce.

They speak the vendors' wire formats so the real client libraries (exchangelib, msal,
requests) can be tested against them unmodified. Never shipped to Lambda.
"""
