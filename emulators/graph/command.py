"""`commsync-emulator graph`: its options, and the server they describe."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from emulators.fault_options import FaultOption, add_fault_argument, parse_faults
from emulators.graph.emulator import GraphEmulator
from emulators.server import EmulatorServer
from emulators.tls import self_signed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="DIR/<mailbox address>/<Folder>/.../*.eml")
    parser.add_argument(
        "--identity",
        metavar="URL",
        required=True,
        help="the identity emulator whose tokens to accept",
    )
    parser.add_argument(
        "--identity-ca", type=Path, metavar="FILE", help="CA bundle for the identity emulator's TLS"
    )
    parser.add_argument(
        "--deny",
        action="append",
        default=[],
        metavar="'CLIENT_ID_OR_UPN=mailbox@address'",
        help="withhold a mailbox from an app or user (an application access policy; repeatable)",
    )
    add_fault_argument(parser, FAULT_KINDS)


# --fault KIND (fault_options.py): (status, what the README says).
FAULT_KINDS = {
    "throttle": "429 ApplicationThrottled with Retry-After `seconds` (default 1)",
    "unavailable": "503 ServiceUnavailable with Retry-After",
    "timeout": "504 GatewayTimeout (standing: after hanging `seconds`, default 30)",
    "token_expiry": "401 InvalidAuthenticationToken",
    "sync_state_loss": "every deltaLink and skipToken issued before the start answers 410 syncStateNotFound",
}
_STATUS = {"throttle": 429, "unavailable": 503, "timeout": 504, "token_expiry": 401}


def apply_faults(emulator: GraphEmulator, options: list[FaultOption]) -> None:
    for option in options:
        mailboxes = [option.mailbox] if option.mailbox else emulator.store.addresses()
        for mailbox in mailboxes:
            if option.kind == "sync_state_loss":
                emulator.store.invalidate_delta_tokens(mailbox)
                continue
            status = _STATUS[option.kind]
            wait = option.seconds if option.seconds is not None else 1.0
            if option.count is not None:
                emulator.faults.fail_next(mailbox, option.count, status, wait)
            elif option.kind == "throttle":
                emulator.faults.set(mailbox, throttle_ratio=1.0, retry_after=wait)
            else:
                delay = (option.seconds or 30.0) if option.kind == "timeout" else 0.0
                emulator.faults.set(mailbox, status=status, delay_seconds=delay, retry_after=1.0)


def build(args: argparse.Namespace) -> EmulatorServer:
    # Imported here: the identity emulator is another package, needed only to check tokens.
    from emulators.identity.verifier import BearerVerifier

    emulator = GraphEmulator.from_directory(args.data, BearerVerifier(args.identity, args.identity_ca))
    for value in args.deny:
        who, found, mailbox = value.partition("=")
        if not found or not who or not mailbox:
            raise ValueError("--deny expects 'CLIENT_ID_OR_UPN=mailbox@address'")
        emulator.deny.add((who, mailbox))
    apply_faults(emulator, parse_faults(args.fault, FAULT_KINDS))
    tls_dir = args.tls
    if tls_dir is None:
        # Graph is HTTPS only, and so is this emulator, with or without --tls.
        tls_dir = Path(tempfile.mkdtemp(prefix="commsync-graph-"))
        print(f"graph emulator: TLS certificate in {tls_dir / 'cert.pem'}", file=sys.stderr, flush=True)
    return emulator.server(args.port, tls=self_signed(tls_dir))
