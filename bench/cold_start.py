"""Scenario 4, cold start: `python -X importtime -c "import functions.<name>.app"` for each handler.

Each import runs in a fresh interpreter with the environment template.yaml gives that function
(Globals plus its own variables; a `!Ref` to a parameter takes the parameter's default, a
`!Ref` to a resource a placeholder name) and the variables the Lambda runtime sets, so that
Powertools behaves as in Lambda. It sees only what the layer ships: `python -S` (no
site-packages) on a directory of links to the packages layers/commsync/requirements.txt pins,
taken from the project's environment, plus the working tree's commsync and functions. The dev
tools' extras (awscrt, pyOpenSSL), which botocore picks up when they are installed and Lambda
does not have, stay out. The figure is the sum of the top-level cumulative import times,
median of several runs; the wall time of the whole interpreter is beside it.

What lazy imports save: the source libraries (exchangelib, msal, the language detector and the
HTML converter) are imported only when a poll needs them, so the poller's import does not pay
for them; `eager_poller_import_ms` is what the import would cost if it did.
Run: `.venv/bin/python -m bench.cold_start [--repeats R]`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import ROOT, Scenario, command_line, finish, median, parser

MODULE = "bench.cold_start"
HANDLERS = {
    "dispatcher": "DispatcherFunction",
    "poller": "PollerFunction",
    "api": "ApiFunction",
    "authorizer": "AuthorizerFunction",
}
POLLER_TARGET_MS = 400
# Imported by a poll, never by the poller's module import (issue 8).
LAZY = ("exchangelib", "msal", "pycld2", "inscriptis")
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)$")


@dataclass
class ImportProfile:
    total_ms: float
    wall_ms: float
    packages: dict[str, float]  # top-level package -> the self time of all its modules, ms


def main() -> None:
    args = parser(__doc__.splitlines()[0] if __doc__ else MODULE).parse_args()
    repeats = max(args.repeats, 5)
    scenario = Scenario("cold_start", command_line(MODULE, ["--repeats", str(args.repeats)]))
    template = load_template()
    with tempfile.TemporaryDirectory(prefix="bench-layer-") as tmp:
        site = layer_site(Path(tmp))
        poller = _handlers(scenario, template, site, repeats)
        _lazy(scenario, lambda_environment(template, HANDLERS["poller"], site), poller, repeats)
    finish(scenario, args.emit)


def _handlers(scenario: Scenario, template: dict[str, Any], site: Path, repeats: int) -> list[ImportProfile]:
    poller: list[ImportProfile] = []
    for name, logical_id in HANDLERS.items():
        env = lambda_environment(template, logical_id, site)
        runs = [_profile(f"functions.{name}.app", env) for _ in range(repeats)]
        total = median([r.total_ms for r in runs])
        if name == "poller":
            scenario.add(f"{name}_import_ms", total, f"<= {POLLER_TARGET_MS}", total <= POLLER_TARGET_MS)
            poller = runs
            # With the template's Tracing=Active the X-Ray SDK is imported too.
            traced = {**env, "POWERTOOLS_TRACE_DISABLED": "false"}
            active = median([_profile(f"functions.{name}.app", traced).total_ms for _ in range(repeats)])
            scenario.add(f"{name}_import_ms_tracing_active", active)
        else:
            scenario.add(f"{name}_import_ms", total)
        scenario.add(f"{name}_wall_ms", median([r.wall_ms for r in runs]))
    return poller


def _lazy(scenario: Scenario, env: dict[str, str], poller: list[ImportProfile], repeats: int) -> None:
    heavy = _heaviest(poller)
    for package, ms in heavy[:6]:
        scenario.add(f"poller_import_{package}_ms", ms)
    for package in LAZY:
        imported = any(package in r.packages for r in poller)
        scenario.add(f"poller_imports_{package}", int(imported), "0", not imported)
    eager_modules = ["functions.poller.app", "commsync.sources.ews.source", "msal", "pycld2", "inscriptis"]
    eager = [_profile(",".join(eager_modules), env) for _ in range(repeats)]
    eager_ms = median([r.total_ms for r in eager])
    scenario.add("eager_poller_import_ms", eager_ms)
    scenario.add("lazy_imports_save_ms", eager_ms - median([r.total_ms for r in poller]))
    eager_packages = dict(_heaviest(eager))
    extra = (*LAZY, "dns", "pygments", "spnego", "requests_oauthlib", "tzlocal")
    scenario.notes.append(
        "an eager import would add (ms of their own modules): "
        + ", ".join(f"{p} {eager_packages.get(p, 0.0):.0f}" for p in extra)
    )
    scenario.notes.append(
        "heaviest packages in the poller's import (ms of their own modules, dependencies apart): "
        + ", ".join(f"{p} {ms:.0f}" for p, ms in heavy[:8])
    )


def _profile(modules: str, env: dict[str, str]) -> ImportProfile:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", f"import {modules}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = (time.perf_counter() - started) * 1000
    if completed.returncode != 0:
        raise RuntimeError(f"import {modules} failed:\n{completed.stderr[-2000:]}")
    total, packages = parse_importtime(completed.stderr)
    return ImportProfile(total_ms=total, wall_ms=wall, packages=packages)


def parse_importtime(report: str) -> tuple[float, dict[str, float]]:
    """(total ms, {top-level package: ms of its own modules}) from `-X importtime` output."""
    total = 0.0
    packages: dict[str, float] = {}
    for line in report.splitlines():
        found = _LINE.match(line)
        if not found:
            continue
        self_ms, cumulative_ms = int(found.group(1)) / 1000, int(found.group(2)) / 1000
        if not found.group(3):
            total += cumulative_ms  # a top-level import: its cumulative covers everything beneath it
        top = found.group(4).split(".")[0]
        packages[top] = packages.get(top, 0.0) + self_ms
    return total, packages


def _heaviest(runs: list[ImportProfile]) -> list[tuple[str, float]]:
    names = {name for run in runs for name in run.packages}
    ranked = {name: median([run.packages.get(name, 0.0) for run in runs]) for name in names}
    return sorted(ranked.items(), key=lambda pair: -pair[1])


def layer_site(target: Path) -> Path:
    """Links in `target` to every top-level module of the distributions the layer pins."""
    from importlib import metadata

    requirements = (ROOT / "layers" / "commsync" / "requirements.txt").read_text().splitlines()
    for line in requirements:
        name = line.split("#", 1)[0].split(";", 1)[0].split("==", 1)[0].strip()
        if not name:
            continue
        distribution = metadata.distribution(name)
        base = Path(str(distribution.locate_file("")))
        for entry in distribution.files or []:
            top = entry.parts[0]
            if top.startswith("..") or top.endswith((".dist-info", ".data", ".pth")) or top == "__pycache__":
                continue
            link = target / top
            if not link.exists():
                link.symlink_to(base / top)
    return target


def load_template() -> dict[str, Any]:
    from cfnlint.decode import cfn_yaml

    loaded: dict[str, Any] = cfn_yaml.load(str(ROOT / "template.yaml"))
    return loaded


def lambda_environment(template: dict[str, Any], logical_id: str, site: Path) -> dict[str, str]:
    """The function's variables from template.yaml, plus what the Lambda runtime itself sets."""
    globals_ = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    properties = template["Resources"][logical_id]["Properties"]
    own = properties.get("Environment", {}).get("Variables", {})
    env = {
        "PATH": os.environ.get("PATH", ""),
        # As in Lambda: the function's code, then the layer (ours from the working tree, deps linked).
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "commsync"), str(site)]),
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",  # a placeholder: nothing is called at import
        "AWS_LAMBDA_FUNCTION_NAME": f"commsync-{logical_id}",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    }
    for name, value in {**globals_, **own}.items():
        env[str(name)] = _resolved(template, value)
    return env


def _resolved(template: dict[str, Any], value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    if "Fn::If" in value:
        condition, when_true, when_false = value["Fn::If"]
        return _resolved(template, when_true if _holds(template, condition) else when_false)
    reference = value.get("Ref")
    parameter = template.get("Parameters", {}).get(reference) if reference else None
    if parameter is not None:
        return str(parameter.get("Default", ""))
    # A resource's physical id: any well-formed name will do, nothing is called at import.
    if reference == "NotificationTopic":
        return "arn:aws:sns:eu-west-1:123456789012:commsync-notifications"
    if reference == "PollQueue":
        return "https://sqs.eu-west-1.amazonaws.com/123456789012/commsync-poll"
    return f"commsync-{str(reference or 'value').lower()}"


def _holds(template: dict[str, Any], condition: str) -> bool:
    """The template's condition on the parameters' defaults (Fn::Equals and Fn::Not suffice here)."""
    return bool(_evaluate(template, template.get("Conditions", {})[condition]))


def _evaluate(template: dict[str, Any], expression: Any) -> Any:
    if isinstance(expression, dict) and "Fn::Equals" in expression:
        left, right = (_evaluate(template, e) for e in expression["Fn::Equals"])
        return left == right
    if isinstance(expression, dict) and "Fn::Not" in expression:
        return not _evaluate(template, expression["Fn::Not"][0])
    return _resolved(template, expression)


if __name__ == "__main__":
    main()
