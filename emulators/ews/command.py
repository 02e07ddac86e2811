"""`commsync-emulator ews`: its options, and the server they describe."""

from __future__ import annotations

import argparse
from pathlib import Path

from emulators.ews.emulator import EwsEmulator
from emulators.fault_options import FaultOption, add_fault_argument, parse_faults
from emulators.server import EmulatorServer
from emulators.tls import self_signed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="DIR/<mailbox address>/<Folder>/.../*.eml")
    parser.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="'DOMAIN\\name:password'",
        help="a service account for NTLM and Basic (repeatable); without one, a built-in test account",
    )
    parser.add_argument(
        "--deny",
        action="append",
        default=[],
        metavar="'DOMAIN\\name=mailbox@address'",
        help="withhold a mailbox from an account, for Delegate and Impersonation (repeatable)",
    )
    parser.add_argument(
        "--identity", metavar="URL", help="accept bearer tokens issued by this identity emulator"
    )
    parser.add_argument(
        "--identity-ca", type=Path, metavar="FILE", help="CA bundle for the identity emulator's TLS"
    )
    parser.add_argument(
        "--latency-ms", type=int, default=0, metavar="N", help="wait N ms before answering each request"
    )
    add_fault_argument(parser, FAULT_KINDS)


# --fault KIND (fault_options.py) -> the EWS error code injected.
FAULT_KINDS = {
    "throttle": "SOAP fault ErrorServerBusy with BackOffMilliseconds = `seconds` (default 0.5)",
    "unavailable": "HTTP 503 from the server in front of EWS",
    "timeout": "ErrorTimeoutExpired (standing: after hanging `seconds`, default 30)",
    "token_expiry": 'bearer requests get 401 with `Bearer ... error="invalid_token"` (with --identity)',
    "sync_state_loss": "every SyncState issued before the start answers ErrorInvalidSyncStateData",
}
_ERRORS = {"throttle": "ErrorServerBusy", "unavailable": "HTTP503", "timeout": "ErrorTimeoutExpired"}


def apply_faults(emulator: EwsEmulator, options: list[FaultOption]) -> None:
    for option in options:
        if option.kind == "token_expiry":
            emulator.faults.expire_tokens(option.count)
            continue
        mailboxes = [option.mailbox] if option.mailbox else emulator.store.addresses()
        for mailbox in mailboxes:
            if option.kind == "sync_state_loss":
                emulator.store.invalidate_sync_states(mailbox)
                continue
            back_off_ms = round((option.seconds if option.seconds is not None else 0.5) * 1000)
            error = _ERRORS[option.kind]
            if option.count is not None:
                emulator.faults.fail_next(mailbox, option.count, error, back_off_ms)
            elif option.kind == "throttle":
                emulator.faults.set(mailbox, throttle_ratio=1.0, back_off_ms=back_off_ms)
            else:
                delay = (option.seconds or 30.0) if option.kind == "timeout" else 0.0
                emulator.faults.set(mailbox, error=error, delay_seconds=delay)


def _pairs(values: list[str], separator: str, option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        left, found, right = value.partition(separator)
        if not found or not left or not right:
            raise ValueError(f"{option} expects 'DOMAIN\\name{separator}...'")  # never echo a password
        pairs.append((left, right))
    return pairs


def build(args: argparse.Namespace) -> EmulatorServer:
    users = dict(_pairs(args.user, ":", "--user")) or None
    deny = set(_pairs(args.deny, "=", "--deny"))
    bearer = None
    if args.identity:
        # Imported here: the identity emulator is another package, needed only with --identity.
        from emulators.identity.verifier import BearerVerifier

        bearer = BearerVerifier(args.identity, args.identity_ca)
    emulator = EwsEmulator.from_directory(args.data, users=users, deny=deny, bearer=bearer)
    apply_faults(emulator, parse_faults(args.fault, FAULT_KINDS))
    tls = self_signed(args.tls) if args.tls else None
    return emulator.server(port=args.port, tls=tls, latency_ms=args.latency_ms)
