"""`commsync-emulator graph`: its options, and the server they describe."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

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


def build(args: argparse.Namespace) -> EmulatorServer:
    # Imported here: the identity emulator is another package, needed only to check tokens.
    from emulators.identity.verifier import BearerVerifier

    emulator = GraphEmulator.from_directory(args.data, BearerVerifier(args.identity, args.identity_ca))
    for value in args.deny:
        who, found, mailbox = value.partition("=")
        if not found or not who or not mailbox:
            raise ValueError("--deny expects 'CLIENT_ID_OR_UPN=mailbox@address'")
        emulator.deny.add((who, mailbox))
    tls_dir = args.tls
    if tls_dir is None:
        # Graph is HTTPS only, and so is this emulator, with or without --tls.
        tls_dir = Path(tempfile.mkdtemp(prefix="commsync-graph-"))
        print(f"graph emulator: TLS certificate in {tls_dir / 'cert.pem'}", file=sys.stderr, flush=True)
    return emulator.server(args.port, tls=self_signed(tls_dir))
