"""`--fault` on the command line, shared by the emulators (issue 21): what a test's Python API
`faults` does, for a demo or a client driven from outside.

    --fault KIND[,count=N][,mailbox=ADDRESS][,seconds=S]      (repeatable)

KIND is one of the emulator's own (its README lists them: throttle, unavailable, timeout,
token_expiry, sync_state_loss, ...). `count=N` fails the next N requests and then behaves
again; without it the fault is standing and hits every request. `mailbox=` narrows it to one
mailbox where the emulator keys faults by mailbox (default: every mailbox). `seconds=` is the
back-off the vendor's error asks for, or how long a timeout hangs.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultOption:
    kind: str
    count: int | None = None  # None: every request
    mailbox: str | None = None
    seconds: float | None = None


def add_fault_argument(parser: argparse.ArgumentParser, kinds: Mapping[str, str]) -> None:
    described = "; ".join(f"{name}: {what}" for name, what in kinds.items())
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND[,count=N][,mailbox=ADDRESS][,seconds=S]",
        help=f"inject a fault (repeatable). {described}",
    )


def parse_faults(values: list[str], kinds: Mapping[str, str]) -> list[FaultOption]:
    return [parse_fault(value, kinds) for value in values]


def parse_fault(text: str, kinds: Mapping[str, str]) -> FaultOption:
    kind, *pairs = [part.strip() for part in text.split(",")]
    if kind not in kinds:
        raise ValueError(f"--fault {kind!r}: not a fault of this emulator; one of {', '.join(kinds)}")
    options: dict[str, str] = {}
    for pair in pairs:
        name, found, value = pair.partition("=")
        if not found or name not in ("count", "mailbox", "seconds") or not value:
            raise ValueError(
                f"--fault {text!r}: expected count=N, mailbox=ADDRESS or seconds=S, not {pair!r}"
            )
        options[name] = value
    try:
        count = int(options["count"]) if "count" in options else None
        seconds = float(options["seconds"]) if "seconds" in options else None
    except ValueError:
        raise ValueError(f"--fault {text!r}: count is a whole number, seconds a number") from None
    if (count is not None and count < 1) or (seconds is not None and seconds < 0):
        raise ValueError(f"--fault {text!r}: count must be at least 1 and seconds not negative")
    return FaultOption(kind, count, options.get("mailbox", "").lower() or None, seconds)
