"""HTML to readable text, keeping paragraphs, lists, tables and links legible.

Two speeds: `html_to_text` (inscriptis, the faithful rendering, a few milliseconds on a big
newsletter) for when the HTML is the body we keep, and `rough_text` (regular expressions,
tens of microseconds) that is only good enough to compare words with the plain alternative.

Issue 18: a mail client's quote (`<blockquote type="cite">`, Gmail's and Yahoo's quote classes)
is rendered with "> " before each of its lines, as the plain-text alternative shows it, so a
reply written under or between quotes in HTML mail keeps its answers (quotes.py). Other
blockquotes (a newsletter's pull quote) stay plain text.
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
_CITE = re.compile(
    r"""<blockquote\b(?=[^>]*(?:type\s*=\s*["']?cite|class\s*=\s*["'][^"']*quote))[^>]*>""", re.IGNORECASE
)
_BLOCKQUOTE = re.compile(r"<(/?)blockquote\b[^>]*>", re.IGNORECASE)
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks: no mail text holds them
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

    cited = _CITE.search(source) is not None
    text = get_text(_links(_mark_quotes(source) if cited else source), _config())
    lines = [line.rstrip() for line in text.splitlines()]
    return _collapse_blank_runs(_quoted(lines) if cited else lines).strip()


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


def _mark_quotes(source: str) -> str:
    """Each blockquote's start and end as a line of its own; a mail quote's marks say so."""

    def mark(match: re.Match[str]) -> str:
        tag = match.group(0)
        if match.group(1):
            return f"<div>{_CLOSE}</div>{tag}"
        return f"{tag}<div>{_OPEN}</div>" if _CITE.match(tag) else f"{tag}<div>{_OPEN}-</div>"

    return _BLOCKQUOTE.sub(mark, source)


def _quoted(lines: list[str]) -> list[str]:
    """Lines inside mail quotes get one "> " per level; the marks go."""
    levels: list[bool] = []  # per open blockquote: is it a mail quote
    out = []
    for line in lines:
        text = line.strip()
        if text in (_OPEN, _OPEN + "-"):
            levels.append(text == _OPEN)
        elif text == _CLOSE:
            if levels:
                levels.pop()
        else:
            depth = sum(levels)
            out.append(("> " * depth + line) if depth and line.strip() else (">" * depth if depth else line))
    return out


def _collapse_blank_runs(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out)
