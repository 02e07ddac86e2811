"""The new text of an email, apart from its quoted history and its signature.

`separate` is the approach kept after measuring it against mail-parser-reply on the labelled
set in tests/fixtures/separation (bench/separation.py prints both; see that README for the
figures and the line-level definitions of precision and recall).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from commsync.cleaning.quotes import split_quotes
from commsync.cleaning.signature import split_signature

# Gateways prepend these to external mail; they are not the sender's words.
_BANNER = re.compile(
    r"^\W{0,3}(?:caution|external|warning|attention)\b.{0,40}?:?.{0,200}"
    r"(?:originated (?:from )?outside|external (?:sender|e-?mail|message)|outside (?:of )?(?:the|your|our))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Separated:
    text: str
    signature: str | None


def separate(body: str) -> Separated:
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    new = split_quotes(lines).new
    text, signature = split_signature(_drop_banner(new))
    return Separated(_join(text), _join(signature) or None)


def _drop_banner(lines: list[str]) -> list[str]:
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        return lines
    end = start
    while end < len(lines) and lines[end].strip():
        end += 1
    paragraph = " ".join(line.strip() for line in lines[start:end])
    if len(paragraph) < 400 and _BANNER.match(paragraph) and any(line.strip() for line in lines[end:]):
        return lines[end:]
    return lines


def _join(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines).strip()
