"""`commsync serve` and `commsync token ...` (issue 7; INTERFACES.md: serve on 127.0.0.1:8787)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from commsync.adapters.local.serve_lock import holding_store
from commsync.api.token_file import remove_config_token
from commsync.api.tokens import config_snippet, issue_token
from commsync.local_config import LocalConfig, load_config
from commsync.models.access import Permission
from commsync.models.common import utc_now


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="the management API on 127.0.0.1, with the sync loop")
    serve.add_argument(
        "--config", type=Path, help="config file (default: $COMMSYNC_CONFIG, ./commsync.toml, or the demo's)"
    )
    serve.add_argument("--port", type=int, help="port (default: the config's api.port, 8787; 0 picks one)")
    serve.add_argument(
        "--host",
        help="address to bind (default: the config's api.host, 127.0.0.1; 0.0.0.0 for every interface)",
    )
    serve.add_argument("--no-sync", action="store_true", help="serve the API only, without the sync loop")
    serve.set_defaults(handler=_serve)

    token = sub.add_parser("token", help="create, list and revoke API tokens")
    tokens = token.add_subparsers(dest="token_command", required=True)
    create = tokens.add_parser("create", help="issue a token (printed once; only its hash is kept)")
    create.add_argument("--name", required=True, help="who or what holds it, e.g. ops-bot")
    create.add_argument(
        "--permission",
        action="append",
        required=True,
        choices=[p.value for p in Permission],
        help="repeatable",
    )
    create.add_argument("--table", help="AWS: store it in this state table (the stack's StateTableName)")
    create.set_defaults(handler=_token_create)
    config_help = "local mode: this config file (default: as `commsync status` finds it)"
    listing = tokens.add_parser("list", help="tokens: names, permissions, creation time")
    listing.add_argument("--table", help="AWS: the stack's state table; without it, the local config's")
    listing.add_argument("--config", type=Path, help=config_help)
    listing.set_defaults(handler=_token_list)
    revoke = tokens.add_parser("revoke", help="delete a token (from the state table or the config file)")
    revoke.add_argument("--name", required=True)
    revoke.add_argument("--table", help="AWS: the stack's state table; without it, the local config's")
    revoke.add_argument("--config", type=Path, help=config_help)
    revoke.set_defaults(handler=_token_revoke)


def _config_path(given: Path | None) -> Path | None:
    from commsync.settings import local_config_path

    # As `commsync status` looks: the demo's config too, so `make demo` then `commsync serve` works.
    defaults = (local_config_path(), "commsync.toml", "commsync-demo/commsync.toml")
    candidates = [given] if given else [Path(p) for p in defaults if p]
    return next((p for p in candidates if p.is_file()), None)


def _serve(args: argparse.Namespace) -> int:
    path = _config_path(args.config)
    if path is None:
        print("commsync serve: no config file found; pass --config FILE", file=sys.stderr)
        return 2
    config = load_config(path)
    # A shared hold: several servers may share a store, but `commsync demo` refuses to rewrite
    # one that is being served (issue 23).
    with holding_store(config.store, exclusive=False, what="stop the demo first or serve another store"):
        return _serve_config(config, args, path)


def _serve_config(config: LocalConfig, args: argparse.Namespace, path: Path) -> int:
    from commsync.api.local import open_local_api

    local = open_local_api(config, args.port, host=args.host, config_file=str(path.resolve()))
    if not config.api.tokens:
        print(
            "commsync serve: no [[api.tokens]] in the config: every route but /health answers 401; "
            "create one with `commsync token create --name NAME --permission modify`",
            file=sys.stderr,
        )
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    local.start(sync=not args.no_sync)
    print(f"listening on {local.url}", flush=True)
    try:
        stop.wait()
    finally:
        local.close()
    return 0


def _token_create(args: argparse.Namespace) -> int:
    token, record = issue_token(args.name, [Permission(p) for p in dict.fromkeys(args.permission)], utc_now())
    if args.table:
        from commsync.adapters.aws.dynamodb_state import DynamoState

        DynamoState(args.table).put_api_token(record)
        print(f"stored token {record.name!r} in {args.table}; it is shown once:", file=sys.stderr)
        print(token)
        return 0
    print(f"token (shown once; keep it in your client's secret store):\n{token}\n")
    print("add to the config file of `commsync serve`:\n")
    print(config_snippet(record))
    return 0


def _token_list(args: argparse.Namespace) -> int:
    if args.table:
        from commsync.adapters.aws.dynamodb_state import DynamoState

        found = DynamoState(args.table).list_api_tokens()
    else:
        path = _local_config(args.config, "token list")
        if path is None:
            return 2
        found = load_config(path).api.tokens
    for token in found:
        created = token.created_at.isoformat() if token.created_at else "-"
        print(f"{token.name}\t{' '.join(p.value for p in token.permissions)}\t{created}")
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    if args.table:
        from commsync.adapters.aws.dynamodb_state import DynamoState

        removed, where = DynamoState(args.table).delete_api_token(args.name), str(args.table)
    else:
        path = _local_config(args.config, "token revoke")
        if path is None:
            return 2
        removed, where = remove_config_token(path, args.name), str(path)
    if not removed:
        print(f"commsync token revoke: no token named {args.name!r} in {where}", file=sys.stderr)
        return 1
    restart = "" if args.table else "; a running `commsync serve` refuses it after a restart"
    print(f"revoked {args.name}{restart}", file=sys.stderr)
    return 0


def _local_config(given: Path | None, command: str) -> Path | None:
    path = _config_path(given)
    if path is None:
        print(
            f"commsync {command}: no config file found; pass --config FILE (or --table for AWS)",
            file=sys.stderr,
        )
    return path
