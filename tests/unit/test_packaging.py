"""The layer ships exactly the runtime pins of pyproject.toml (the one place versions live)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(lines: list[str]) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[_normal(re.sub(r"\[.*\]", "", name))] = version
    return pins


def test_every_runtime_dependency_is_pinned_and_the_layer_requirements_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = _pins(project["dependencies"])
    layer = _pins((ROOT / "layers" / "commsync" / "requirements.txt").read_text().splitlines())

    assert all(version for version in declared.values())
    mismatched = {
        name: (version, layer.get(name)) for name, version in declared.items() if layer.get(name) != version
    }
    assert mismatched == {}, "run `make lock` after changing pyproject.toml's dependencies"


def test_the_layer_ships_no_development_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dev = set(_pins(project["optional-dependencies"]["dev"]))
    layer = set(_pins((ROOT / "layers" / "commsync" / "requirements.txt").read_text().splitlines()))

    assert dev & layer == set()
