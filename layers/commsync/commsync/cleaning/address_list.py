"""Address-list headers (From, To, Cc, Bcc) read into (display name, addr-spec) pairs.

RFC 5322 section 3.4: the address is the addr-spec, inside "<...>" when there is a display
name; the display name is only a label. Issue 18: `email.utils.getaddresses` reads
`ceo@acme.example <attacker@evil.example>` (an unquoted name that is itself an address) as two
people, the first of them the forged one, and `Doe, John <jd@example.org>` (a comma that a client
forgot to quote) as two people as well. Here a comma splits the list only outside quotes,
comments and angle brackets, and a piece that holds no address at all is the start of the next
piece's display name. The sender is always the addr-spec; a display name that shows a different
address is kept as written and reported (`name_mismatch`), the commonest phishing pattern.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|\((?:[^()\\]|\\.)*\)?|<[^<>]*>?|[,;:]|[^",;:<(]+', re.DOTALL)
_SEPARATORS = frozenset(",;")
_GROUP = ":"
_ADDRESS_IN_NAME = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def parse_address_list(values: list[str]) -> list[tuple[str, str]]:
    """(display name, addr-spec) of every mailbox in the header values; names still RFC 2047
    encoded as written. A piece without "@" is kept as an address only when nothing follows
    that it could name."""
    out: list[tuple[str, str]] = []
    for value in values:
        pending = ""
        for piece in _pieces(value):
            name, address, angled = _mailbox(piece)
            if angled and not address:
                pending = ""  # "<>", the null sender of bounces: nobody
                continue
            if not angled and "@" not in address:
                pending = f"{pending}, {address}" if pending else address
                continue
            if pending and angled:
                name = f"{pending}, {name}" if name else pending
            elif pending:
                out.append(("", pending))
            out.append((name, address))
            pending = ""
        if pending:
            out.append(("", pending))
    return out


def name_mismatch(name: str, address: str) -> str | None:
    """The address a display name shows when it is not the sender's own addr-spec."""
    shown = _ADDRESS_IN_NAME.search(name)
    if shown and shown.group(0).lower().strip(".") != address.lower():
        return shown.group(0)
    return None


def _pieces(value: str) -> list[list[str]]:
    """The value's tokens, split at top-level "," and ";"; a group's "name:" is dropped."""
    pieces: list[list[str]] = []
    current: list[str] = []
    for token in _TOKEN.findall(value):
        if token in _SEPARATORS:
            pieces.append(current)
            current = []
        elif token == _GROUP and not any("@" in t or t.startswith("<") for t in current):
            current = []  # RFC 5322 group syntax: "undisclosed-recipients:;"
        else:
            current.append(token)
    pieces.append(current)
    return [piece for piece in pieces if "".join(piece).strip()]


def _mailbox(tokens: list[str]) -> tuple[str, str, bool]:
    """(name, address, whether the address was in angle brackets)."""
    angles = [t for t in tokens if t.startswith("<")]
    comments = [_unquote(t[1:-1] if t.endswith(")") else t[1:]) for t in tokens if t.startswith("(")]
    words = [_unquote(t) for t in tokens if not t.startswith(("<", "("))]
    if angles:
        address = angles[-1][1:].rstrip(">").strip()
        name = " ".join(" ".join(words).split()) or " ".join(comments)
        return name, address, True
    return " ".join(comments), "".join("".join(words).split()), False


def _unquote(token: str) -> str:
    if token.startswith('"'):
        token = token[1:-1] if len(token) > 1 and token.endswith('"') else token[1:]
        return re.sub(r"\\(.)", r"\1", token)
    return token
