"""Header values to text: RFC 2047 encoded words, raw 8-bit bytes, and their common breakage.

The compat32 parser (PROTOCOLS.md section 5: about 5x cheaper than policy.default) hands us
header values as str, with raw 8-bit bytes smuggled in as surrogate escapes. We decode only
the headers a comment needs, leniently: a malformed encoded word is decoded as far as it
can be and reported, never raised.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass, field
from email.message import Message

from commsync.cleaning.charsets import decode_bytes

# RFC 2047 section 2; lenient: no length limit, and the text may hold "?" in Q words written by
# careless clients only when it is not followed by "=". Whitespace-only runs between two encoded
# words are dropped (section 6.2).
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?(.*?)\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)[ \t\r\n]+(?==\?[^?\s]+\?[bBqQ]\?)")
_WHITESPACE = re.compile(r"\s+")


@dataclass
class HeaderText:
    text: str
    warnings: list[str] = field(default_factory=list)


def raw_values(message: Message, name: str) -> list[str]:
    """A header's values as read, 8-bit bytes kept as surrogate escapes. (compat32's get() wraps
    such values in a Header that has already replaced those bytes with U+FFFD.)"""
    wanted = name.lower()
    return [str(v) for k, v in message.raw_items() if k.lower() == wanted]


def raw_value(message: Message, name: str) -> str | None:
    values = raw_values(message, name)
    return values[0] if values else None


def raw_bytes(value: str) -> bytes:
    """The bytes compat32 read, surrogate escapes turned back into the 8-bit bytes they were."""
    return value.encode("utf-8", "surrogateescape")


def decode_header(name: str, value: str | None) -> HeaderText:
    """Decoded, unfolded text of one header value; never raises.

    Raw 8-bit bytes inside an encoded word are bytes of that word's charset, as policy.default
    reads them (issue 18: `=?iso-8859-1?Q?Fr<raw 0xF6>sche?=` is "Frösche", not "Fr?sche");
    outside encoded words they are decoded as undeclared text (UTF-8, else windows-1252)."""
    if value is None:
        return HeaderText("")
    value = str(value)
    out = HeaderText("")
    if "=?" in value:
        value = _decode_words(name, _BETWEEN_WORDS.sub(r"\1", value), out.warnings)
    elif not value.isascii():
        value = _undeclared(name, value, out.warnings)
    out.text = _WHITESPACE.sub(" ", value).strip()
    return out


def _undeclared(name: str, value: str, warnings: list[str]) -> str:
    decoded = decode_bytes(raw_bytes(value), None, f"header {name}")
    if decoded.warning:
        warnings.append(decoded.warning)
    return decoded.text


def _decode_words(name: str, value: str, warnings: list[str]) -> str:
    """Adjacent words in one charset are joined as bytes first: clients split UTF-8 sequences."""
    pieces: list[tuple[str | None, bytes | str]] = []
    at = 0
    for match in _ENCODED_WORD.finditer(value):
        if match.start() > at:
            pieces.append((None, value[at : match.start()]))
        charset, encoding, payload = match.groups()
        data = _word_bytes(encoding.lower(), payload, name, warnings)
        charset = charset.lower().split("*", 1)[0]
        if pieces and isinstance(pieces[-1][1], bytes) and pieces[-1][0] == charset:
            previous = pieces.pop()[1]
            assert isinstance(previous, bytes)
            data = previous + data
        pieces.append((charset, data))
        at = match.end()
    pieces.append((None, value[at:]))
    text = []
    for charset, piece in pieces:
        if isinstance(piece, str):
            text.append(piece if piece.isascii() else _undeclared(name, piece, warnings))
            continue
        decoded = decode_bytes(piece, charset, f"header {name}")
        if decoded.warning:
            warnings.append(decoded.warning)
        text.append(decoded.text)
    return "".join(text)


def _word_bytes(encoding: str, payload: str, name: str, warnings: list[str]) -> bytes:
    data = raw_bytes(payload)  # 8-bit bytes as they were read: surrogate escapes, or UTF-8 text
    if encoding == "q":
        # RFC 2047 section 4.2: "_" is a space in Q encoding.
        return quopri.decodestring(data.replace(b"_", b" "))
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        warnings.append(f"header {name} has a broken base64 encoded word; its readable part is kept")
        return base64.b64decode(cleaned[: len(cleaned) // 4 * 4])
