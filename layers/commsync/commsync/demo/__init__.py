"""`commsync demo`: a sample export synced end to end on the embedded default (local mode)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from commsync.demo.export import write_demo_mailboxes
from commsync.local_config import load_config
from commsync.local_mode import apply_config, open_local, run_once
from commsync.output import ProgressPrinter, print_outcomes

BUCKET = "demo"


def _config_text(mailboxes: list[str]) -> str:
    lines = [
        "# Written by `commsync demo`; the README documents every key.",
        'store = "store"',
        "",
        "[[integrations]]",
        'project = "demo"',
        'name = "sample-export"',
        'kind = "eml"',
        'endpoint = "mail"',
        f'bucket = "{BUCKET}"',
        # The demo writes its files a moment before syncing them; no need to wait for them to settle.
        "options = { settle_seconds = 0 }",
    ]
    for address in mailboxes:
        lines += ["", "[[integrations.mailboxes]]", f'address = "{address}"', "poll_interval_seconds = 60"]
    return "\n".join(lines) + "\n"


def run_demo(root: Path, out: TextIO, err: TextIO) -> int:
    root = root.resolve()
    summary = write_demo_mailboxes(root / "mail")
    config_path = root / "commsync.toml"
    config_path.write_text(_config_text(summary.mailboxes), encoding="utf-8")
    print(
        f"Wrote {summary.files} sample emails ({summary.distinct_messages} distinct) in "
        f"{len(summary.mailboxes)} mailboxes under {root / 'mail'}",
        file=out,
    )
    runtime = open_local(load_config(config_path))
    try:
        apply_config(runtime)
        print("Syncing in local mode (SQLite + files)...", file=out, flush=True)
        outcomes = run_once(runtime, ProgressPrinter(err))
        code = print_outcomes(outcomes, out)
        comments_dir = runtime.config.store / "comments" / BUCKET
        comments = sorted(comments_dir.glob("*.json"))
    finally:
        runtime.close()
    print(f"\n{len(comments)} comments, one JSON file each, in {comments_dir}", file=out)
    if comments:
        # The largest comment is the richest one to look at first (a thread reply with attachments).
        print(f"For example: {max(comments, key=lambda p: p.stat().st_size)}", file=out)
    # Name the command as it was invoked (.venv/bin/commsync after `make demo`), so it can be pasted.
    command = Path(sys.argv[0]).as_posix() if Path(sys.argv[0]).name == "commsync" else "commsync"
    print("\nNext:", file=out)
    print(f"  {command} status --config {config_path}", file=out)
    print(f"  {command} run --config {config_path} --once   # again: only new files are read", file=out)
    print(f"  {command} parse FILE.eml                      # one email's comment JSON", file=out)
    return code
