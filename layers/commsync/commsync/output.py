"""What the CLI prints: progress lines, run summaries and the status table."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table

from commsync.local_mode import LocalRuntime
from commsync.models import Disabled, MailboxState
from commsync.models.common import iso_z
from commsync.services.manage import IntegrationStatus, status
from commsync.services.poll import PollOutcome, PollStatus


def table(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)


def print_outcomes(outcomes: dict[str, PollOutcome], out: TextIO) -> int:
    """Exit code of `run --once`: 0 when every mailbox synced, 1 when any failed."""
    rows = [["mailbox", "result", "created", "updated", "unchanged", "filtered", "warnings"]]
    failed = []
    for key, outcome in sorted(outcomes.items()):
        c = outcome.counts
        rows.append(
            [
                key.replace("#", " "),
                outcome.status.value,
                str(c.created),
                str(c.updated),
                str(c.unchanged),
                str(c.filtered),
                str(c.warnings),
            ]
        )
        if outcome.status is PollStatus.FAILED:
            failed.append(f"{key.replace('#', ' ')}: {outcome.failure_class}: {outcome.error}")
    if len(rows) > 1:
        table(rows, out)
    else:
        print("no enabled mailboxes to sync", file=out)
    for line in failed:
        print(f"FAILED {line}", file=out)
    return 1 if failed else 0


def _failing(state: MailboxState) -> str:
    if not state.last_error:
        return ""
    if state.failures > 1 and state.failing_since:
        return (
            f"failed {state.failures} polls in a row since {iso_z(state.failing_since)}: {state.last_error}"
        )
    return state.last_error


def print_status(runtime: LocalRuntime, as_json: bool, out: TextIO, wide: bool = False) -> None:
    report = status(runtime.engine)
    if as_json:
        doc = [
            {
                "integration": s.integration.model_dump(mode="json"),
                "mailboxes": [
                    {"mailbox": m.model_dump(mode="json"), "state": st.model_dump(mode="json")}
                    for m, st in s.mailboxes
                ],
            }
            for s in report
        ]
        print(json.dumps(doc, indent=2), file=out)
        return
    # The terminal's width, at most 100 columns, unless --wide (issue 23): problems wrap instead
    # of running on; --wide keeps each on one line, for grep.
    width = WIDE if wide else min(STATUS_WIDTH, shutil.get_terminal_size((STATUS_WIDTH, 24)).columns)
    console = Console(width=width, highlight=False, color_system=None)
    with console.capture() as captured:
        console.print(status_table(report, datetime.now(UTC), wide))
        for line in problems(report):
            console.print(f"problem: {line}", overflow="fold")
    # rich pads every line to the table's width; trailing blanks only get in a reader's way.
    print("\n".join(line.rstrip() for line in captured.get().splitlines()), file=out)


STATUS_WIDTH = 100
WIDE = 1000


def status_table(report: list[IntegrationStatus], now: datetime, wide: bool = False) -> Table:
    # The box draws one space between columns, so no padding: a full address, both times and the
    # counts fit 100 columns together.
    grid = Table(box=box.SIMPLE_HEAD, padding=0, pad_edge=False, collapse_padding=True, show_edge=False)
    grid.add_column("mailbox", overflow="fold")
    grid.add_column("state", no_wrap=True)
    grid.add_column("last ok", no_wrap=True)
    grid.add_column("last try", no_wrap=True)
    for name in ("new", "updated", "warn"):
        grid.add_column(name, justify="right", no_wrap=True)
    for s in report:
        integration = s.integration
        grid.add_row(
            f"{integration.key} ({integration.kind})",
            _state(integration.disabled),
            "",
            "",
            "",
            "",
            "",
            _problem(integration.disabled),
        )
        for mailbox, st in s.mailboxes:
            grid.add_row(
                f"  {mailbox.address}",
                _state(st.disabled),
                _when(st.last_success_at, now, wide),
                _when(st.last_sync_at, now, wide),
                str(st.counts.created),
                str(st.counts.updated),
                str(st.counts.warnings),
            )
    return grid


def problems(report: list[IntegrationStatus]) -> list[str]:
    """Below the table, one wrapped paragraph each: an error text does not fit a column."""
    found = [
        f"{s.integration.key}: {_problem(s.integration.disabled)}" for s in report if s.integration.disabled
    ]
    for s in report:
        found += [
            f"{s.integration.key} {m.address}: {_problem(st.disabled) or _failing(st)}"
            for m, st in s.mailboxes
            if st.disabled or st.last_error
        ]
    return found


def _when(at: datetime | None, now: datetime, wide: bool) -> str:
    """How long ago, at a glance; --wide and --json give the instant (UTC, said so)."""
    if at is None:
        return "never"
    if wide:
        return iso_z(at)
    seconds = max(0, int((now - at).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _state(disabled: Disabled | None) -> str:
    return "enabled" if disabled is None else "disabled"


def _problem(disabled: Disabled | None) -> str:
    if disabled is None:
        return ""
    detail = f": {disabled.error}" if disabled.error else ""
    return f"{disabled.reason.value} since {iso_z(disabled.at)}{detail}"
