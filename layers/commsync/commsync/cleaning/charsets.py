"""Bytes to text under a declared charset, with the fallbacks real mail needs.

Order (issue 5): the declared charset, then UTF-8, then windows-1252, then latin-1, which
never fails. Every step past the declared one is reported, because the reader should know
that an accent may be wrong. Issue 18: a part that is *mostly* valid in its charset (a bad
byte or two in a long text) is decoded as declared, each bad byte a U+FFFD, and reported;
reading 8,000 good Cyrillic bytes as latin-1 for one bad byte garbles all of them.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

# Labels that mail clients write but Python does not know, or knows as a narrower cousin.
# WHATWG Encoding "labels": latin-1 labels mean windows-1252 in practice (Outlook writes
# "iso-8859-1" over bodies with curly quotes 0x93/0x94); GB2312 mail is GBK/GB18030 in practice.
# An "us-ascii" label over 8-bit bytes is simply wrong and takes the fallbacks, with a warning.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "x-mac-roman": "mac-roman",
    "x-unknown": "",
    "unknown-8bit": "",
    "x-user-defined": "",
}
_FALLBACKS = ("utf-8", "cp1252")


@dataclass(frozen=True)
class Decoded:
    text: str
    warning: str | None = None


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when it is unknown or absent."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    # RFC 2231 section 5: a charset may carry a language suffix, "utf-8*de".
    name = _ALIASES.get(name.split("*", 1)[0], name.split("*", 1)[0])
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None, what: str = "text") -> Decoded:
    """Decode, never raising: declared -> utf-8 -> cp1252 -> latin-1."""
    codec = codec_for(declared)
    if codec is not None:
        try:
            return Decoded(data.decode(codec))
        except (UnicodeError, LookupError):
            if codec == "cp1252":  # a latin-1 label over bytes that windows-1252 leaves undefined
                return Decoded(data.decode("latin-1"))
        mostly = _mostly_valid(data, codec, what, declared or codec)
        if mostly is not None:
            return mostly
    elif not declared and data.isascii():
        return Decoded(data.decode("ascii"))
    elif not declared and (mostly := _mostly_valid(data, "utf-8", what, None)) is not None:
        return mostly
    for fallback in _FALLBACKS:
        try:
            text = data.decode(fallback)
        except UnicodeError:
            continue
        if not declared and fallback == "utf-8":
            return Decoded(text)  # RFC 6532: undeclared 8-bit mail today is almost always UTF-8
        return Decoded(text, _fallback_warning(what, declared, codec, fallback))
    return Decoded(data.decode("latin-1"), _fallback_warning(what, declared, codec, "latin-1"))


# At most this share of the non-ASCII characters may be bad bytes: text in a wrong label (latin-1
# bytes called UTF-8) has nearly all of them bad.
MOSTLY_VALID = 0.02
_REPLACEMENT_UTF8 = "\ufffd".encode()


def _mostly_valid(data: bytes, codec: str, what: str, declared: str | None) -> Decoded | None:
    try:
        text = data.decode(codec, errors="replace")
    except LookupError:
        return None
    bad = text.count("\ufffd") - data.count(_REPLACEMENT_UTF8)  # a U+FFFD the sender wrote is no bad byte
    wide = sum(1 for char in text if not char.isascii())
    if bad <= 0 or wide == 0 or bad > MOSTLY_VALID * wide:
        return None
    label = repr(declared) if declared else "UTF-8"
    return Decoded(text, f"{what} has {bad} byte(s) that are not valid {label}; each is shown as U+FFFD")


def _fallback_warning(what: str, declared: str | None, codec: str | None, used: str) -> str:
    if not declared:
        return f"{what} has no charset and is not UTF-8; read as {used}"
    if codec is None:
        return f"{what} charset {declared!r} is unknown; read as {used}"
    return f"{what} is not valid {declared!r}; read as {used}"
