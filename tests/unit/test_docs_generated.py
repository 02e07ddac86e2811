"""The generated docs are fresh, the comment example obeys its schema, and the README is a front
door whose links all lead somewhere (issue 23)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]
import pytest

from tools import gen_docs

ROOT = gen_docs.ROOT
README_LIMIT = 12 * 1024


# Pages other issues write in the same release (deploying 22, filters/deletions 19, cost 17,
# bench and emulator READMEs 8/13): linked from here, present once the branches are merged.
@pytest.mark.parametrize("path", sorted(gen_docs.GENERATED), ids=lambda p: p.name)
def test_a_generated_file_matches_its_models(path: Path) -> None:
    assert path.read_text(encoding="utf-8") == gen_docs.GENERATED[path](), (
        f"{path.relative_to(ROOT)} is stale: run `make docs` and commit it"
    )


def test_the_annotated_example_is_valid_against_the_generated_schema() -> None:
    schema = json.loads(gen_docs.SCHEMA.read_text())
    example = json.loads(gen_docs.EXAMPLE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(example, schema, cls=jsonschema.Draft202012Validator)
    # AND the page that explains it annotates every top-level key of it
    page = (ROOT / "docs" / "comment-format.md").read_text()
    missing = [key for key in example if f"`{key}`" not in page]
    assert not missing, f"docs/comment-format.md does not explain {missing}"


def test_the_readme_is_a_front_door() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.encode()) <= README_LIMIT
    for needed in ("make demo", "commsync demo --serve", "docs/getting-started.md", "docs/console.png"):
        assert needed in text


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.DOTALL)
    text = re.sub(r"(`+).+?\1", "", text)  # inline code holds no links (a pattern may look like one)
    return [m for m in re.findall(r"\]\(([^)\s]+)\)", text) if not re.match(r"[a-z]+:|#", m)]


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    pages = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
    broken = []
    for page in pages:
        for link in _links(page):
            target = (page.parent / link.split("#")[0]).resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(ROOT)} -> {link}")
    assert not broken


def test_no_doc_or_code_points_at_the_design_document_outside_the_repository() -> None:
    stale = []
    for path in [
        *ROOT.joinpath("layers").rglob("*.py"),
        *ROOT.joinpath("docs").rglob("*.md"),
        ROOT / "README.md",
    ]:
        if re.search(r"\bdesign (section|sections)? ?\d", path.read_text(), re.IGNORECASE):
            stale.append(str(path.relative_to(ROOT)))
    assert not stale, f"point these at docs/architecture.md instead: {stale}"
