"""What the CLI prints: progress lines, run summaries and the status table."""

from __future__ import annotations

import json
import time
from typing import TextIO

from commsync.local_mode import LocalRuntime
from commsync.models import Disabled, MailboxRef, MailboxState, SyncCounts
from commsync.models.common import iso_z
from commsync.services.manage import status
from commsync.services.poll import PollOutcome, PollStatus


class ProgressPrinter:
    """One line per mailbox every few seconds, so a long backfill shows it is moving."""

    def __init__(self, out: TextIO, every_seconds: float = 2.0) -> None:
        self._out, self._every, self._last = out, every_seconds, time.monotonic()

    def __call__(self, ref: MailboxRef, counts: SyncCounts) -> None:
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            print(f"  {ref.address}: {_counts(counts)}", file=self._out, flush=True)


def _counts(counts: SyncCounts) -> str:
    return (
        f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{counts.filtered} filtered, {counts.warnings} with warnings"
    )


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


def print_status(runtime: LocalRuntime, as_json: bool, out: TextIO) -> None:
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
    rows = [["integration", "mailbox", "state", "last sync", "created", "updated", "warnings", "problem"]]
    for s in report:
        integration = s.integration
        rows.append(
            [
                integration.key,
                f"({integration.kind})",
                _state(integration.disabled),
                "",
                "",
                "",
                "",
                _problem(integration.disabled),
            ]
        )
        for mailbox, st in s.mailboxes:
            rows.append(
                [
                    "",
                    mailbox.address,
                    _state(st.disabled),
                    iso_z(st.last_sync_at) if st.last_sync_at else "never",
                    str(st.counts.created),
                    str(st.counts.updated),
                    str(st.counts.warnings),
                    _problem(st.disabled) or _failing(st),
                ]
            )
    table(rows, out)


def _state(disabled: Disabled | None) -> str:
    return "enabled" if disabled is None else "disabled"


def _problem(disabled: Disabled | None) -> str:
    if disabled is None:
        return ""
    detail = f": {disabled.error}" if disabled.error else ""
    return f"{disabled.reason.value} since {iso_z(disabled.at)}{detail}"
