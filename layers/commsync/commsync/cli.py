"""The `commsync` console script (INTERFACES.md fixes its commands and exit codes)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from commsync import __version__
from commsync.cleaning.build import Origin, clean
from commsync.errors import ConfigError
from commsync.local_config import load_config
from commsync.local_mode import LocalRuntime, apply_config, open_local, run_forever, run_once
from commsync.observability import logger
from commsync.output import print_outcomes, print_status
from commsync.progress import SyncProgress, eml_totals
from commsync.services.manage import enable


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # The CLI talks to people: the JSON log shows warnings and worse unless asked for more, and it
    # goes to stderr so that stdout carries only results (`parse` prints JSON there).
    logger.setLevel("DEBUG" if args.verbose else "WARNING")
    handler = logger.registered_handler
    if isinstance(handler, logging.StreamHandler):
        handler.setStream(_CurrentStderr())
    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"commsync: {exc}", file=sys.stderr)
        return 2
    return code


class _CurrentStderr:
    """Whatever sys.stderr is at the time of writing (tests and wrappers replace it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="commsync", description="Sync mailboxes into comment records.")
    parser.add_argument("--version", action="version", version=f"commsync {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every step (JSON lines on stderr)")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="write a sample mail export and sync it locally")
    demo.add_argument(
        "--dir", type=Path, default=Path("commsync-demo"), help="where to put it (default: %(default)s)"
    )
    demo.add_argument(
        "--serve", action="store_true", help="then keep the emulator, the API and the console up until Ctrl-C"
    )
    demo.add_argument("--port", type=int, help="with --serve: the API's port (default 8787; 0 picks one)")
    demo.add_argument("--host", help="with --serve: the address to bind (default 127.0.0.1)")
    demo.set_defaults(handler=_demo)

    run = sub.add_parser("run", help="sync the mailboxes of a config file (local mode)")
    run.add_argument("--config", type=Path, required=True, help="the TOML config file")
    run.add_argument("--once", action="store_true", help="sync every mailbox to completion, then exit")
    run.set_defaults(handler=_run)

    parse = sub.add_parser("parse", help="print the comment JSON of one .eml file")
    parse.add_argument("file", type=Path)
    parse.set_defaults(handler=_parse)

    status = sub.add_parser("status", help="integrations and mailboxes: state, last sync, counts")
    status.add_argument(
        "--config", type=Path, help="config file (default: $COMMSYNC_CONFIG, ./commsync.toml, or the demo's)"
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.add_argument("--wide", action="store_true", help="as wide as the terminal (default: 100 columns)")
    status.set_defaults(handler=_status)

    enable = sub.add_parser("enable", help="re-enable a disabled integration or mailbox; clears its failures")
    enable.add_argument("integration", help="project/name")
    enable.add_argument("--mailbox", help="only this mailbox (its address)")
    enable.add_argument(
        "--config", type=Path, help="config file (default: $COMMSYNC_CONFIG, ./commsync.toml, or the demo's)"
    )
    enable.set_defaults(handler=_enable)

    from commsync.api.commands import add_commands

    add_commands(sub)
    return parser


def _open(config_path: Path) -> LocalRuntime:
    runtime = open_local(load_config(config_path))
    apply_config(runtime)
    return runtime


def _run(args: argparse.Namespace) -> int:
    runtime = _open(args.config)
    try:
        if args.once:
            with SyncProgress(sys.stderr, eml_totals(runtime.config)) as progress:
                outcomes = run_once(runtime, progress)
            return print_outcomes(outcomes, sys.stdout)
        stop = threading.Event()

        def _stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        print("syncing continuously; Ctrl-C stops", file=sys.stderr)
        with SyncProgress(sys.stderr, eml_totals(runtime.config)) as progress:
            run_forever(runtime, stop, progress)
        return 0
    finally:
        runtime.close()


def _parse(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        raw = path.read_bytes()
    except OSError as exc:
        print(f"commsync parse: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    origin = Origin(
        integration="local/parse", kind="eml", bucket="parse", mailbox="", folder=path.parent.name
    )
    print(clean(raw, origin, datetime.now(UTC)).comment.to_json())
    return 0


def _find_config(given: Path | None, command: str) -> Path | None:
    from commsync.settings import local_config_path

    candidates = (
        [given]
        if given
        else [Path(p) for p in (local_config_path(), "commsync.toml", "commsync-demo/commsync.toml") if p]
    )
    found = next((p for p in candidates if p.is_file()), None)
    if found is None:
        print(f"commsync {command}: no config file found; pass --config FILE", file=sys.stderr)
    return found


def _enable(args: argparse.Namespace) -> int:
    config_path = _find_config(args.config, "enable")
    if config_path is None:
        return 2
    runtime = _open(config_path)
    try:
        target = f"{args.integration}" + (f" mailbox {args.mailbox}" if args.mailbox else "")
        if not enable(runtime.engine, args.integration, args.mailbox):
            print(f"commsync enable: {target} is not configured", file=sys.stderr)
            return 1
        print(f"enabled {target}; its next poll resumes from the stored checkpoints")
    finally:
        runtime.close()
    return 0


def _status(args: argparse.Namespace) -> int:
    config_path = _find_config(args.config, "status")
    if config_path is None:
        return 2
    runtime = _open(config_path)
    try:
        print_status(runtime, as_json=args.json, out=sys.stdout, wide=args.wide)
    finally:
        runtime.close()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from commsync.demo import run_demo

    return run_demo(args.dir, sys.stdout, sys.stderr, serve=args.serve, port=args.port, host=args.host)


if __name__ == "__main__":
    sys.exit(main())
