"""What every scenario shares: figures with their targets, medians, process measurements, output.

Each scenario is a module `bench.<name>` with a `main()` that measures, prints its rows, and,
given `--emit FILE`, writes them as JSON for `bench/run.py`, which collects all of them into
`bench/results.json` (`{"scenario": {"figure": number}}`, INTERFACES.md).

Targets (the convention every scenario follows, so that a bench can fail):
- `scenario.add(name, value, "<= 1.5")`: a target is an operator (`<`, `<=`, `>`, `>=`, `=`)
  and a number, optionally followed by words (`"= 0 (never a scan)"`); `add` checks the value
  against it, and `met` is True or False. A target that is not of that form must be judged by
  the scenario and passed as `met=` (e.g. `"~1 (proportional)"`); `add` refuses it otherwise.
- A figure without a target is context (the raw figures beside a ratio): `met` stays None.
- `bench/run.py` prints PASS or FAIL beside every figure with a target and exits 1 when any
  target is missed or any scenario fails to run; a scenario module run alone does the same.
- Sizes: read them with `sized(ENV_NAME, full, quick)`; `BENCH_QUICK=1` (set by `run.py
  --quick`) picks the quick size, so every scenario has a fast mode for checking the harness.
"""

from __future__ import annotations

import argparse
import json
import operator
import os
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
    "==": operator.eq,
    "=": operator.eq,
}
_TARGET = re.compile(r"^\s*(<=|>=|==|<|>|=)\s*(-?[0-9][0-9_,]*(?:\.[0-9]+)?)(?:\s.*)?$")


def target_met(value: float, target: str) -> bool | None:
    """Whether `value` meets `target` ("<= 1.5", "= 1000 emails"); None when the target is not of
    that form (then the scenario judges it itself)."""
    match = _TARGET.match(target)
    if match is None:
        return None
    bound = float(match.group(2).replace(",", "").replace("_", ""))
    return _COMPARISONS[match.group(1)](float(value), bound)


def quick() -> bool:
    return os.environ.get("BENCH_QUICK", "") not in ("", "0")


def sized(name: str, full: int, quick_size: int) -> int:
    """A scenario's size: the environment variable `name` if set, else the quick or the full size."""
    return int(os.environ.get(name) or (quick_size if quick() else full))


@dataclass
class Figure:
    name: str
    value: float
    target: str = ""  # as the issue states it, e.g. ">= 0.8"; empty for context figures
    met: bool | None = None

    @property
    def verdict(self) -> str:
        """PASS, FAIL, or "" for a context figure."""
        if not self.target:
            return ""
        return "PASS" if self.met else "FAIL"


@dataclass
class Scenario:
    name: str
    command: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, target: str = "", met: bool | None = None) -> None:
        """A figure; with a target, checked against it (see the module's docstring)."""
        if target and met is None:
            met = target_met(value, target)
            if met is None:
                raise ValueError(f"{self.name}.{name}: target {target!r} needs met= (not '<op> <number>')")
        self.figures.append(Figure(name, round(value, 4) if isinstance(value, float) else value, target, met))

    @property
    def missed(self) -> list[str]:
        return [f"{self.name}.{f.name}" for f in self.figures if f.target and not f.met]

    def figure(self, name: str) -> float:
        return next(f.value for f in self.figures if f.name == name)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def peak_rss_mb() -> float:
    """This process's resident-set high-water mark.

    /proc's VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork and exec, so a worker
    started by a parent that once held 400 MB reports 400 MB whatever it did itself.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with Path("/proc/self/statm").open() as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass
class Clock:
    wall: float = 0.0
    cpu: float = 0.0


@contextmanager
def measured() -> Iterator[Clock]:
    """Wall and CPU (user + system of this process only) seconds of a block."""
    clock = Clock()
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        yield clock
    finally:
        clock.wall = time.perf_counter() - wall
        clock.cpu = time.process_time() - cpu


def run_worker(module: str, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `python -m <module> <args>` in a fresh process; its last stdout line is a JSON object."""
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{module} {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def emit_worker_result(result: dict[str, Any]) -> None:
    print(json.dumps(result), flush=True)


def parser(description: str) -> argparse.ArgumentParser:
    # The poller's INFO lines are not figures; set before any commsync import (workers inherit it).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    parsed = argparse.ArgumentParser(description=description)
    parsed.add_argument("--emit", type=Path, help="write the scenario's figures as JSON to this file")
    parsed.add_argument(
        "--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", "3")), help="runs per figure"
    )
    return parsed


def command_line(module: str, args: Sequence[str]) -> str:
    return shlex.join([".venv/bin/python", "-m", module, *args])


def finish(scenario: Scenario, emit: Path | None) -> None:
    """Print the rows and notes, hand them to run.py; run alone, exit 1 when a target is missed."""
    print_rows([scenario])
    for note in scenario.notes:
        print(f"  note: {note}")
    if emit is not None:
        emit.write_text(json.dumps(asdict(scenario), indent=2))
    elif scenario.missed:
        # run.py reads the emitted figures and decides its own exit code; alone, this is the check.
        print(f"targets missed: {', '.join(scenario.missed)}", file=sys.stderr)
        raise SystemExit(1)


def print_rows(scenarios: Sequence[Scenario], out: Callable[[str], None] = print) -> None:
    header = ("scenario", "figure", "value", "target", "check")
    rows = [header]
    for scenario in scenarios:
        for f in scenario.figures:
            rows.append((scenario.name, f.name, _number(f.value), f.target, f.verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        out(
            "  ".join(
                cell.ljust(widths[i]) if i != 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)
            )
        )
        if n == 0:
            out("  ".join("-" * w for w in widths))


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def scenario_from(data: dict[str, Any]) -> Scenario:
    return Scenario(
        name=data["name"],
        command=data["command"],
        figures=[Figure(**f) for f in data["figures"]],
        notes=list(data.get("notes", [])),
    )
