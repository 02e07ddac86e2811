"""Salesforce emulator: OAuth 2.0 web server flow and the REST API the source uses.

`commsync-emulator salesforce --port N --data FILE [--tls DIR] [--session-seconds S]
[--fault KIND[,count=N][,seconds=S]]...` (README.md beside this file). One server
is both the login host (`/services/oauth2/authorize`, `/token`, `/revoke`) and the instance
(`/services/data/vXX.X/query`, `/query/<locator>`, `/sobjects/<Object>/describe`,
`/sobjects/<Object>/deleted/`, `/limits`); token responses name it as `instance_url`.
Plain HTTP on 127.0.0.1 unless `--tls DIR` (then HTTPS with DIR/cert.pem, which clients trust).

The `--data` file (JSON; the `#` remarks are annotations, not JSON). Standard objects (Case,
EmailMessage, Account, Contact, User, Group) come with their fields and their reference fields'
relationships (Case.Account, Case.Owner, EmailMessage.Parent, ...); a custom object (`__c`) lists
its own, a reference field with `"reference_to": ["Account"]` (its relationship: `Name__r`).
Record values are JSON; datetimes as `2024-03-01T09:30:00Z` or `...000+0000`. A record without
`Id` gets one; without `SystemModstamp` it is stamped at load time::

    {
      "orgs": [{
        "name": "Acme",                                   # id (00D...) derived from it if absent
        "users": [{"username": "ops@acme.example", "password": "..."}],
        "objects": {
          "Case": {"records": [{"Subject": "Printer on fire", "Description": "...",
                                "Status": "New", "SuppliedEmail": "ann@contoso.example",
                                "SystemModstamp": "2024-03-01T09:30:00Z"}]},
          "EmailMessage": {"records": [{"ParentId": "500...", "FromAddress": "ann@contoso.example",
                                        "FromName": "Ann", "ToAddress": "support@acme.example",
                                        "Subject": "Re: printer", "TextBody": "...",
                                        "MessageDate": "2024-03-01T09:29:00Z", "Incoming": true}]},
          "Feedback__c": {"label": "Feedback", "key_prefix": "a07",
                          "fields": [{"name": "Body__c", "type": "textarea", "label": "Body"}],
                          "records": []}
        }
      }],
      "connected_apps": [{"consumer_key": "3MVG9...", "consumer_secret": "...",
                          "callback_urls": ["http://127.0.0.1:8787/external/salesforce/oauth2/callback"],
                          "scopes": ["api", "refresh_token", "offline_access"],
                          "rotate_refresh_tokens": false}],
      "api_version": "60.0",            # newest version served (v31.0 .. this)
      "session_seconds": 7200,          # access token lifetime: then 401 INVALID_SESSION_ID
      "api_requests_per_day": 100000,   # then 403 REQUEST_LIMIT_EXCEEDED
      "min_batch_size": 200, "max_batch_size": 2000,   # Sforce-Query-Options batchSize bounds
      "cursor_idle_seconds": 900        # an idle query locator then answers INVALID_QUERY_LOCATOR
    }

Python API for tests: `SalesforceEmulator` (emulator.py: records changed while running, fields
deleted (`delete_field`), transactions that commit late (`begin()` ... `commit()`), clock,
`faults.fail_next(Fault.RATE_LIMIT | SESSION_EXPIRED | UNAVAILABLE | TIMEOUT | LOCATOR_LOST)`,
`faults.always(...)`, `expire_sessions()`,
`revoke_refresh_tokens()`, `stats`), and `sign_in` (browser.py) to drive the login page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError

from emulators.fault_options import FaultOption, add_fault_argument, parse_faults
from emulators.login_form import SignInError
from emulators.salesforce.browser import sign_in
from emulators.salesforce.config import SalesforceConfig
from emulators.salesforce.emulator import SalesforceEmulator
from emulators.salesforce.faults import Fault
from emulators.server import EmulatorServer
from emulators.tls import self_signed

__all__ = [
    "Fault",
    "SalesforceConfig",
    "SalesforceEmulator",
    "SignInError",
    "add_arguments",
    "build",
    "sign_in",
]


# --fault KIND (fault_options.py) -> the Python API's fault.
FAULT_KINDS = {
    "throttle": "403 REQUEST_LIMIT_EXCEEDED (Salesforce sends no back-off)",
    "unavailable": "503 SERVER_UNAVAILABLE",
    "timeout": "the call hangs `seconds` (default 30), then 503",
    "token_expiry": "401 INVALID_SESSION_ID, and the session is gone",
    "sync_state_loss": "open query locators are lost: nextRecordsUrl answers INVALID_QUERY_LOCATOR",
}
_FAULTS = {
    "throttle": Fault.RATE_LIMIT,
    "unavailable": Fault.UNAVAILABLE,
    "timeout": Fault.TIMEOUT,
    "token_expiry": Fault.SESSION_EXPIRED,
    "sync_state_loss": Fault.LOCATOR_LOST,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, required=True, metavar="FILE", help="JSON file of orgs, records, users and apps"
    )
    parser.add_argument(
        "--session-seconds", type=int, metavar="SECONDS", help="access token lifetime (overrides the file)"
    )
    add_fault_argument(parser, FAULT_KINDS)


def apply_faults(emulator: SalesforceEmulator, options: list[FaultOption]) -> None:
    for option in options:
        if option.mailbox is not None:
            raise ValueError("--fault: the Salesforce emulator keys faults by nothing; drop mailbox=")
        if option.seconds is not None:
            emulator.faults.stall_seconds = option.seconds
        fault = _FAULTS[option.kind]
        if option.count is None:
            emulator.faults.always(fault)
        else:
            emulator.faults.fail_next(fault, option.count)


def build(args: argparse.Namespace) -> EmulatorServer:
    try:
        config = SalesforceConfig.from_file(args.data)
        if args.session_seconds:
            config.session_seconds = args.session_seconds
        emulator = SalesforceEmulator(config)
        apply_faults(emulator, parse_faults(args.fault, FAULT_KINDS))
    except ValidationError as exc:
        # Without the input values: they may be passwords or consumer secrets.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ValueError(f"invalid --data file {args.data}: {problems}") from None
    return emulator.server(args.port, tls=self_signed(args.tls) if args.tls else None)
