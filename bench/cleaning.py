"""Scenario 6, cleaning: emails per second and CPU per email through `clean()` (what `commsync parse` runs).

The corpus: the hand-written real-mailer cases in tests/fixtures/eml/corpus (charsets, TNEF, S/MIME,
broken encodings), the demo export (reply chains as Outlook, Gmail and others quote them), and
generated realistic 20 KB emails (bench/mailgen.py). Each email's CPU time is its median over
the runs, after one warm-up pass (the first clean imports the language and HTML libraries).
`*_vs_stdlib_default` is the median of clean() over the median of the stdlib's own reading
(`policy.default` parse, `get_body()`, its content) of the same bytes, overall and per group
(issue 18: <= 0.5, "today 0.40", which is the demo export's figure: see RATIO_TARGET_GROUP).
Run: `.venv/bin/python -m bench.cleaning [--generated N] [--repeats R]`.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, Scenario, command_line, finish, median, parser
from bench.mailgen import email_of_size

MODULE = "bench.cleaning"
TARGET_MS = 2.0
# Issue 18: clean() must stay at most half as costly as the stdlib's own reading of the same bytes.
TARGET_STDLIB_RATIO = 0.5
# The corpus the "today 0.40" reproduces on (the demo export: 0.40-0.43 before issue 18).
# On the generated 20 KB emails the ratio is ~0.8 before and after issue 18: with their plain+HTML
# bodies our faithfulness check, separation and language cost about what the stdlib's parse does.
RATIO_TARGET_GROUP = "demo"
FIXTURES = ROOT / "tests" / "fixtures" / "eml" / "corpus"


def main() -> None:
    parsed = parser(__doc__.splitlines()[0] if __doc__ else MODULE)
    parsed.add_argument("--generated", type=int, default=500, help="realistic 20 KB emails to add")
    args = parsed.parse_args()
    scenario = Scenario(
        "cleaning", command_line(MODULE, ["--generated", str(args.generated), "--repeats", str(args.repeats)])
    )
    groups = _corpus(args.generated)
    everything = [raw for raws in groups.values() for raw in raws]
    cpu, rates = _measure(everything, args.repeats)
    per_email = [median(times) for times in cpu]
    scenario.add("emails", len(everything))
    scenario.add("emails_per_s", median(rates))
    scenario.add(
        "cpu_ms_per_email_median", median(per_email), f"<= {TARGET_MS}", median(per_email) <= TARGET_MS
    )
    scenario.add("cpu_ms_per_email_p90", sorted(per_email)[int(0.9 * (len(per_email) - 1))])
    stdlib = [median(times) for times in _measure_stdlib(everything, args.repeats)]
    scenario.add("stdlib_default_ms_per_email_median", median(stdlib))
    scenario.add("clean_vs_stdlib_default", median(per_email) / median(stdlib))
    start = 0
    for name, raws in groups.items():
        share = per_email[start : start + len(raws)]
        stdlib_share = stdlib[start : start + len(raws)]
        start += len(raws)
        scenario.add(f"{name}_emails", len(raws))
        scenario.add(f"{name}_cpu_ms_median", median(share))
        ratio = median(share) / median(stdlib_share)
        goal = f"<= {TARGET_STDLIB_RATIO}" if name == RATIO_TARGET_GROUP else ""
        met = ratio <= TARGET_STDLIB_RATIO if goal else None
        scenario.add(f"{name}_vs_stdlib_default", ratio, goal, met)
    finish(scenario, args.emit)


def _corpus(generated: int) -> dict[str, list[bytes]]:
    from commsync.demo.export import write_demo_mailboxes

    fixtures = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as tmp:
        write_demo_mailboxes(Path(tmp))
        # The same email sits in several mailboxes; each distinct one counts once.
        demo = sorted({path.read_bytes() for path in Path(tmp).rglob("*.eml")})
    realistic = [email_of_size(n, 20_000) for n in range(generated)]
    return {"fixtures": fixtures, "demo": demo, "generated_20kb": realistic}


def _measure(raws: list[bytes], repeats: int) -> tuple[list[list[float]], list[float]]:
    from commsync.cleaning.build import Origin, clean

    origin = Origin(
        integration="bench/parse", kind="eml", bucket="bench", mailbox="bench@contoso.example", folder="Inbox"
    )
    now = datetime(2024, 6, 1, tzinfo=UTC)
    for raw in raws:  # warm-up: lazy imports and regex caches
        clean(raw, origin, now)
    cpu: list[list[float]] = [[] for _ in raws]
    rates = []
    for _ in range(repeats):
        wall = time.perf_counter()
        for n, raw in enumerate(raws):
            started = time.process_time()
            clean(raw, origin, now)
            cpu[n].append((time.process_time() - started) * 1000)
        rates.append(len(raws) / (time.perf_counter() - wall))
    return cpu, rates


def _measure_stdlib(raws: list[bytes], repeats: int) -> list[list[float]]:
    """CPU ms per email of `policy.default` parsing plus `get_body()`: the stdlib's reading."""
    from email import message_from_bytes, policy

    def read(raw: bytes) -> None:
        message = message_from_bytes(raw, policy=policy.default)
        body = message.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
        if body is not None:
            # An unknown charset or a broken part may raise: the reading up to there is what is timed.
            with contextlib.suppress(LookupError, ValueError, AssertionError):
                body.get_content()

    for raw in raws:
        read(raw)
    cpu: list[list[float]] = [[] for _ in raws]
    for _ in range(repeats):
        for n, raw in enumerate(raws):
            started = time.process_time()
            read(raw)
            cpu[n].append((time.process_time() - started) * 1000)
    return cpu


if __name__ == "__main__":
    main()
