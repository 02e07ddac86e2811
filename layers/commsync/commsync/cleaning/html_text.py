"""HTML to readable text, keeping paragraphs, lists and tables legible."""

from __future__ import annotations

from inscriptis import get_text
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig

# The "strict" profile keeps block structure without the extra indentation of "relaxed".
_CONFIG = ParserConfig(css=CSS_PROFILES["strict"].copy(), display_links=False)


def html_to_text(html: str) -> str:
    if not html.strip():
        return ""
    text = get_text(html, _CONFIG)
    lines = [line.rstrip() for line in text.splitlines()]
    return _collapse_blank_runs(lines).strip()


def _collapse_blank_runs(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)
