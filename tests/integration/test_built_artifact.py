"""What `sam build` makes of the project imports on its own, as Lambda would load it.

Each handler is imported in a fresh interpreter whose only third-party code is the built
function folder and the built layer (`python -S`: no site-packages, so neither the project's
editable install nor the dev tools can stand in for something the layer lacks). A dependency
missing from layers/commsync/requirements.txt, or a package missing from the layer, fails here
instead of at the first cold start (the aws-sam-cli #2705 kind of surprise).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAM = Path(sys.executable).parent / "sam"
REGION = "eu-west-1"
DEV_ONLY = ("moto", "pytest", "mypy", "samcli", "cfnlint", "ruff", "hypothesis")

Template = dict[str, Any]

# Runs inside the isolated interpreter: import the handler module, report what was loaded from where.
PROBE = """
import importlib, json, sys
module_name, handler_name = sys.argv[1], sys.argv[2]
module = importlib.import_module(module_name)
handler = getattr(module, handler_name, None)
print(json.dumps({
    "callable": callable(handler),
    "files": sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)}),
    "stdlib": [sys.base_prefix, sys.base_exec_prefix],
}))
"""


@dataclass(frozen=True)
class Build:
    directory: Path
    template: Template
    seconds: float


def _function_ids(template: Template) -> list[str]:
    return sorted(k for k, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function")


def _template() -> Template:
    loaded: Template = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    return loaded


@pytest.fixture(scope="session")
def build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    """`sam build` of template.yaml (with samconfig.toml's settings), no container, from scratch.

    SAM keeps its build graph, cache and pip downloads beside the build folder and the working
    directory; running it in a temporary folder keeps the project tree untouched and the build
    clean (no cache from an earlier run can hide a missing dependency).
    """
    if not SAM.exists():
        pytest.skip("the SAM CLI is not installed next to this Python")
    workdir = tmp_path_factory.mktemp("sam")
    build_dir = workdir / "build"
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        # SAM looks for `python3.11` on PATH to run pip for the layer: use this interpreter's.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    command = [
        str(SAM), "build",
        "--template-file", str(TEMPLATE),
        "--build-dir", str(build_dir),
    ]  # fmt: skip
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    seconds = time.monotonic() - started
    assert result.returncode == 0, f"sam build failed:\n{result.stdout}\n{result.stderr}"
    print(f"sam build took {seconds:.1f} s")  # shown with `pytest -s`
    yield Build(directory=build_dir, template=_template(), seconds=seconds)


def _handler_environment(template: Template, logical_id: str) -> dict[str, str]:
    """The function's environment with placeholder values of the right shape, AWS unreachable."""
    resources = template["Resources"]
    variables = {
        **template["Globals"]["Function"].get("Environment", {}).get("Variables", {}),
        **resources[logical_id]["Properties"].get("Environment", {}).get("Variables", {}),
    }

    def placeholder(value: Any) -> str:
        if not isinstance(value, dict):
            return str(value)
        if "Fn::If" in value:
            # Only Tracing's condition appears here; the build is checked with tracing on, the default.
            return placeholder(value["Fn::If"][1])
        name = value["Ref"]
        if name in template.get("Parameters", {}):
            return str(template["Parameters"][name]["Default"])
        kind = resources[name]["Type"]
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/123456789012/commsync-{name}"
        if kind == "AWS::SNS::Topic":
            return f"arn:aws:sns:{REGION}:123456789012:commsync-{name}"
        return f"commsync-{name}".lower()

    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONNOUSERSITE": "1",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        # An import that reaches for AWS fails at once instead of finding a real account.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        **{name: placeholder(value) for name, value in variables.items()},
    }


@pytest.mark.parametrize("logical_id", _function_ids(_template()))
def test_handler_imports_from_the_built_function_and_layer_alone(
    build: Build, logical_id: str, tmp_path: Path
) -> None:
    # GIVEN the built function folder and the built layer, as Lambda lays them out
    function_dir = build.directory / logical_id
    layer_dir = build.directory / "CommsyncLayer" / "python"
    module, _, handler = build.template["Resources"][logical_id]["Properties"]["Handler"].rpartition(".")
    env = _handler_environment(build.template, logical_id)
    env["PYTHONPATH"] = os.pathsep.join([str(function_dir), str(layer_dir)])
    # WHEN a fresh interpreter without site-packages imports the handler (-P: not from the cwd)
    result = subprocess.run(
        [sys.executable, "-S", "-P", "-c", PROBE, module, handler],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN the handler is there, and everything not in the standard library came from the build
    assert result.returncode == 0, f"{logical_id} does not import from its build:\n{result.stderr}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["callable"], f"{logical_id}: {handler} is not a callable in {module}"
    allowed = (str(build.directory), *report["stdlib"])
    assert [f for f in report["files"] if not f.startswith(allowed)] == []
    assert any(f.startswith(str(layer_dir / "commsync")) for f in report["files"])


def test_layer_holds_the_package_and_runtime_dependencies_only(build: Build) -> None:
    # GIVEN the built layer
    layer_dir = build.directory / "CommsyncLayer" / "python"
    # WHEN its top-level entries are listed
    entries = {p.name for p in layer_dir.iterdir()}
    # THEN it has the commsync package and its dependencies, and no development tool
    assert (layer_dir / "commsync" / "__init__.py").is_file()
    assert {"pydantic", "pydantic_settings", "aws_lambda_powertools"} <= entries
    assert sorted(entries & set(DEV_ONLY)) == []


@pytest.mark.parametrize("logical_id", _function_ids(_template()))
def test_function_folders_do_not_bundle_the_package(build: Build, logical_id: str) -> None:
    # GIVEN a built function folder
    function_dir = build.directory / logical_id
    # WHEN its contents are listed
    # THEN commsync comes from the layer only (one copy, one version)
    assert (function_dir / "app.py").is_file()
    assert not (function_dir / "commsync").exists()
