"""`make bench`: run every scenario (issues 8, 17, 20), print one table, write bench/results.json.

Each scenario runs as `python -m bench.<module>` in a process of its own (the command printed
beside it reproduces it alone) and hands its figures back through a JSON file. results.json
holds `{"scenario": {"figure": number}}` for every scenario (INTERFACES.md); the keys that
start with "_" describe the run: the machine, the commands, each target and whether it was
met, and the notes.

Every figure with a target gets PASS or FAIL beside it (the convention is in bench/common.py),
and the run exits 1 when a target is missed or a scenario fails to run: a bench that cannot
fail is not a check.

Sizes: BENCH_EMAILS (backfill, default 4,000), BENCH_MAILBOXES (fan-out, default 10,000) and
BENCH_REPEATS (runs per figure, default 3); `--quick` or `BENCH_QUICK=1` runs everything small,
to check the harness in a few minutes. `--only backfill,cleaning` runs some scenarios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.common import ROOT, Scenario, print_rows, scenario_from

RESULTS = ROOT / "bench" / "results.json"
# Cheapest first; the backfill, the longest, last.
SCENARIOS = {
    "cleaning": "bench.cleaning",
    "robustness": "bench.robustness",
    "separation": "bench.separation",
    "cold_start": "bench.cold_start",
    "idle_poll": "bench.idle_poll",
    "big_attachment": "bench.big_attachment",
    "page_memory": "bench.page_memory",
    "fan_out": "bench.fanout",
    "salesforce_backfill": "bench.salesforce_backfill",
    "backfill": "bench.backfill",
    "cost": "bench.cost",
    "dispatch_scale": "bench.dispatch_scale",
}
QUICK = {"BENCH_QUICK": "1", "BENCH_EMAILS": "1000", "BENCH_MAILBOXES": "1000", "BENCH_REPEATS": "1"}


def main() -> int:
    args = _parser().parse_args()
    chosen = args.only.split(",") if args.only else list(SCENARIOS)
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(SCENARIOS)}", file=sys.stderr)
        return 2
    quick = args.quick or os.environ.get("BENCH_QUICK", "") not in ("", "0")
    env = {**os.environ, **(QUICK if quick else {})}
    env.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # the poller's INFO lines are not figures
    started, load = time.perf_counter(), os.getloadavg()[0]
    scenarios = [_run(name, SCENARIOS[name], env) for name in chosen]
    print("\n== commsync benchmarks ==")
    print_rows(scenarios)
    for scenario in scenarios:
        print(f"  {scenario.name}: {scenario.command}")
    results = results_document(scenarios, load, time.perf_counter() - started, quick)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return verdict(scenarios)


def verdict(scenarios: list[Scenario]) -> int:
    """0 when every target is met, else 1 after naming the missed ones."""
    missed = [name for scenario in scenarios for name in scenario.missed]
    if missed:
        print(f"FAIL: {len(missed)} target(s) missed: {', '.join(missed)}")
        return 1
    print(f"PASS: every target met ({sum(1 for s in scenarios for f in s.figures if f.target)})")
    return 0


def _run(name: str, module: str, env: dict[str, str]) -> Scenario:
    print(f"\n-- {module}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        emitted = Path(tmp) / "scenario.json"
        completed = subprocess.run(
            [sys.executable, "-m", module, "--emit", str(emitted)], cwd=ROOT, env=env, check=False
        )
        if completed.returncode == 0 and emitted.exists():
            scenario = scenario_from(json.loads(emitted.read_text()))
        else:
            # A scenario that crashed is a missed target, and the others still run.
            scenario = Scenario(name, f".venv/bin/python -m {module}")
            scenario.add("completed", 0, "= 1")
    scenario.add("scenario_seconds", time.perf_counter() - started)
    return scenario


def results_document(scenarios: list[Scenario], load: float, seconds: float, quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {s.name: {f.name: f.value for f in s.figures} for s in scenarios}
    results["_machine"] = {
        "cpu_cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "exchangelib": metadata.version("exchangelib"),
        "load_average_1m_at_start": round(load, 2),
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "bench_seconds": round(seconds, 1),
        "quick": quick,
    }
    results["_commands"] = {s.name: s.command for s in scenarios}
    results["_targets"] = {
        f"{s.name}.{f.name}": {"target": f.target, "met": f.met}
        for s in scenarios
        for f in s.figures
        if f.target
    }
    results["_notes"] = {s.name: s.notes for s in scenarios if s.notes}
    return results


def _parser() -> argparse.ArgumentParser:
    parsed = argparse.ArgumentParser(description="Run the commsync benchmarks.")
    parsed.add_argument("--quick", action="store_true", help="small sizes and one run each")
    parsed.add_argument("--only", help=f"comma-separated scenarios among: {', '.join(SCENARIOS)}")
    parsed.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    return parsed


if __name__ == "__main__":
    raise SystemExit(main())
