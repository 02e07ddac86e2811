"""uuencoded files inside a text part (issue 18, class 4): "begin 644 name" ... "end".

Old mailers and some gateways still embed files this way (POSIX uuencode, the historical
format). Left alone, each file is a block of line noise in the body; here each block is
decoded into an attachment and taken out of the text. A block that does not decode stays text.
"""

from __future__ import annotations

import binascii
import mimetypes
import re

from commsync.cleaning.attachments import ParsedAttachment

_BLOCK = re.compile(r"^begin [0-7]{3,4} ([^\n]+)\n(.*?)^end[ \t]*$\n?", re.MULTILINE | re.DOTALL)


def extract_uuencoded(text: str, warnings: list[str]) -> tuple[str, list[ParsedAttachment]]:
    """The text without its uuencoded blocks, and the files they held."""
    if "begin " not in text:
        return text, []
    found: list[ParsedAttachment] = []
    pieces: list[str] = []
    at = 0
    for match in _BLOCK.finditer(text):
        data = _decode(match.group(2))
        if data is None:
            continue
        name = match.group(1).strip() or f"attachment-{len(found) + 1}"
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found.append(ParsedAttachment(name, kind, data))
        pieces.append(text[at : match.start()])
        at = match.end()
    if not found:
        return text, []
    pieces.append(text[at:])
    names = ", ".join(a.name for a in found)
    warnings.append(f"uuencoded file(s) in the body text were taken out as attachments: {names}")
    return re.sub(r"\n{3,}", "\n\n", "".join(pieces)).strip("\n"), found


def _decode(block: str) -> bytes | None:
    out = bytearray()
    for line in block.split("\n"):
        line = line.rstrip("\r")
        if not line or line in ("`", " "):
            continue  # the zero-length line that ends the data
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Some encoders pad short; decode by the length character (uuencode's own rule).
            try:
                length = (ord(line[0]) - 32) & 63
                out += binascii.a2b_uu(line[: 1 + (length + 2) // 3 * 4])
            except (binascii.Error, IndexError):
                return None
    return bytes(out) if out else None
