"""`commsync-emulator KIND --port N --data PATH [options]` (INTERFACES.md)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from emulators.server import EmulatorServer, serve_until_terminated


class EmulatorKind(Protocol):
    """What each emulator module offers the console script."""

    add_arguments: Callable[[argparse.ArgumentParser], None]
    build: Callable[[argparse.Namespace], EmulatorServer]


# Each kind lives in its own subpackage and is imported only when chosen.
KINDS = {
    "ews": "emulators.ews",
    "identity": "emulators.identity",
    "graph": "emulators.graph",
    "salesforce": "emulators.salesforce",
}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="commsync-emulator", description="Protocol emulators on loopback.")
    kinds = root.add_subparsers(dest="kind", required=True, metavar="KIND")
    for name, module_name in KINDS.items():
        module: EmulatorKind = importlib.import_module(module_name)
        sub = kinds.add_parser(name, help=(module.__doc__ or name).strip().splitlines()[0])
        sub.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 picks a free one")
        sub.add_argument(
            "--tls",
            type=Path,
            metavar="DIR",
            help="serve HTTPS with a self-signed certificate written to DIR/cert.pem (the clients trust it)",
        )
        module.add_arguments(sub)
        sub.set_defaults(build=module.build)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        server = args.build(args)
    except (OSError, ValueError) as exc:
        print(f"commsync-emulator {args.kind}: {exc}", file=sys.stderr)
        return 2
    serve_until_terminated(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
