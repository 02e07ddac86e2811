"""`commsync-emulator ews`: its options, and the server they describe."""

from __future__ import annotations

import argparse
from pathlib import Path

from emulators.ews.emulator import EwsEmulator
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
    tls = self_signed(args.tls) if args.tls else None
    return emulator.server(port=args.port, tls=tls, latency_ms=args.latency_ms)
