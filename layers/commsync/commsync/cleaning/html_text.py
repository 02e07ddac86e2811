"""HTML to readable text, keeping paragraphs, lists, tables and links legible.

Two speeds: `html_to_text` (inscriptis, the faithful rendering, a few milliseconds on a big
newsletter) for when the HTML is the body we keep, and `rough_text` (regular expressions,
tens of microseconds) that is only good enough to compare words with the plain alternative.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

_INVISIBLE = re.compile(
    r"<(head|style|script|title)\b[^>]*>.*?</\1\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[^>]*>")
_CID = re.compile(r"""cid:([^"'\s)>]+)""", re.IGNORECASE)
_ANCHOR = re.compile(
    r"""<a\b[^>]*?href\s*=\s*["']?(https?://[^"'\s>]+)["']?[^>]*>(.*?)</a\s*>""",
    re.IGNORECASE | re.DOTALL,
)


@cache
def _config() -> Any:
    """inscriptis (and lxml under it, ~25 ms) is imported on the first HTML body, not at start-up:
    most mail carries a faithful text/plain part and never needs it (issue 8's import budget).

    The "strict" profile keeps block structure without the extra indentation of "relaxed".
    inscriptis' display_links would print every target, image links included; our _links pass
    instead adds " <url>" only after an anchor whose text does not already show where it goes."""
    from inscriptis.css_profiles import CSS_PROFILES
    from inscriptis.model.config import ParserConfig

    return ParserConfig(css=CSS_PROFILES["strict"].copy(), display_links=False)


def html_to_text(source: str) -> str:
    if not source.strip():
        return ""
    from inscriptis import get_text

    text = get_text(_links(source), _config())
    lines = [line.rstrip() for line in text.splitlines()]
    return _collapse_blank_runs(lines).strip()


def rough_text(source: str) -> str:
    """Visible text without layout: for word comparisons only."""
    return html.unescape(_TAG.sub(" ", _INVISIBLE.sub(" ", source)))


def referenced_cids(source: str) -> set[str]:
    """Content-IDs the HTML shows inline (RFC 2392 "cid:" URLs)."""
    return {m.strip("<>").lower() for m in _CID.findall(source)}


def _links(source: str) -> str:
    """Keep a link's target readable when its text hides it ("click here" -> "click here <url>")."""

    def show(match: re.Match[str]) -> str:
        url, inner = match.group(1), match.group(2)
        visible = _TAG.sub("", inner).strip()
        if not visible or url.rstrip("/") in visible or visible.startswith(("http", "www.")):
            return match.group(0)
        return f"{match.group(0)} &lt;{html.escape(url)}&gt;"

    return _ANCHOR.sub(show, source) if "href" in source else source


def _collapse_blank_runs(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)
