"""Microsoft identity platform (v2.0) emulator that unmodified msal accepts, over HTTPS.

`commsync-emulator identity --port N --data FILE [--tls DIR]`. Without `--tls` a self-signed
certificate is written to a fresh temporary directory, whose path is printed on stderr; clients
trust `<dir>/cert.pem`. msal needs two settings for an authority that is not Microsoft's:

    msal.ConfidentialClientApplication(client_id, client_credential=secret,
        authority=f"https://127.0.0.1:{port}/{tenant}",   # tenant: name, GUID, common, organizations
        instance_discovery=False,                           # else it asks login.microsoftonline.com
        http_client=trusting_session(cert_pem))             # see below; verify=str(cert_pem) is
                                                            # overridden by REQUESTS_CA_BUNDLE

Endpoints (Entra's paths): `/{tenant}/v2.0/.well-known/openid-configuration`,
`/{tenant}/discovery/v2.0/keys`, `/{tenant}/oauth2/v2.0/authorize` (sign-in form),
`/{tenant}/oauth2/v2.0/token` (grants client_credentials with secret or certificate
assertion, authorization_code with PKCE, refresh_token, password), `/common/userrealm/{upn}`.

The `--data` file (JSON; every key optional but a tenant's name, an app's `client_id`, a user's
`upn` and `password`; the `#` remarks below are annotations, not JSON)::

    {
      "tenants": {
        "contoso": {                                  # the name used in authorities
          "id": "9188040d-6c67-4c5b-b112-36a304b66dad",  # tid; derived from the name if absent
          "domains": ["contoso.example"],             # more names for the tenant in URLs
          "apps": [{
            "client_id": "11111111-2222-3333-4444-555555555555",
            "display_name": "commsync",
            "secrets": [{"value": "s3cr3t", "expires": "2030-01-01T00:00:00Z"}],  # expires optional
            "certificates": ["-----BEGIN CERTIFICATE-----..."],  # PEM, matched by x5t / x5t#S256
            "redirect_uris": ["http://127.0.0.1:8787/external/microsoft/oauth2/callback"],
            "roles": {"https://outlook.office365.com": ["full_access_as_app"],   # app-only `roles`
                      "https://graph.microsoft.com": ["Mail.Read"]},
            "delegated": {"https://graph.microsoft.com": ["Mail.Read", "User.Read"]}  # absent: any
          }],                                         # no secret and no certificate: public client
          "users": [{"upn": "alice@contoso.example", "password": "...",
                     "display_name": "Alice", "oid": "..."}]   # display_name, oid optional
        }
      },
      "token_lifetime_seconds": 3599,
      "refresh_token_lifetime_seconds": 7776000,
      "authorization_code_lifetime_seconds": 600,
      "single_use_refresh_tokens": false              # true: a redeemed refresh token is dead
    }

Python API for tests: `IdentityEmulator` (emulator.py), `BearerVerifier` (verifier.py) for
resource emulators, `sign_in` (browser.py) to drive the sign-in form.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

from emulators.fault_options import FaultOption, add_fault_argument, parse_faults
from emulators.identity.browser import sign_in, trusting_session
from emulators.identity.config import IdentityConfig
from emulators.identity.emulator import IdentityEmulator
from emulators.identity.faults import FAULT_KINDS
from emulators.identity.verifier import BearerVerifier
from emulators.login_form import SignInError
from emulators.server import EmulatorServer
from emulators.tls import self_signed

__all__ = [
    "BearerVerifier",
    "IdentityConfig",
    "IdentityEmulator",
    "SignInError",
    "add_arguments",
    "build",
    "sign_in",
    "trusting_session",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, required=True, metavar="FILE", help="JSON file of tenants, apps and users"
    )
    parser.add_argument(
        "--token-lifetime", type=int, metavar="SECONDS", help="access token lifetime (overrides the file)"
    )
    add_fault_argument(parser, FAULT_KINDS)


def apply_faults(emulator: IdentityEmulator, options: list[FaultOption]) -> None:
    for option in options:
        if option.kind == "token_expiry":
            emulator.token_lifetime_seconds = round(option.seconds or 5)
            continue
        seconds = (
            option.seconds if option.seconds is not None else (30.0 if option.kind == "timeout" else 1.0)
        )
        if option.count is None:
            emulator.faults.always(option.kind, seconds)
        else:
            emulator.faults.fail_next(option.kind, option.count, seconds)


def build(args: argparse.Namespace) -> EmulatorServer:
    try:
        config = IdentityConfig.from_file(args.data)
    except ValidationError as exc:
        # Without the input values: they may be passwords or client secrets.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ValueError(f"invalid --data file {args.data}: {problems}") from None
    if args.token_lifetime:
        config.token_lifetime_seconds = args.token_lifetime
    tls_dir = args.tls
    if tls_dir is None:
        # msal refuses http:// authorities, so this emulator is HTTPS even without --tls.
        tls_dir = Path(tempfile.mkdtemp(prefix="commsync-identity-"))
        print(f"identity emulator: TLS certificate in {tls_dir / 'cert.pem'}", file=sys.stderr, flush=True)
    emulator = IdentityEmulator(config)
    apply_faults(emulator, parse_faults(args.fault, FAULT_KINDS))
    return emulator.server(args.port, tls=self_signed(tls_dir))
