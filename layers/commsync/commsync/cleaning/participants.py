"""Addresses as "Name <addr>" strings, plus the bare addresses and domains for filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses

# A dot-atom address (RFC 5322 section 3.4.1) that headerregistry.Address keeps exactly as it is
# and that getaddresses reads back unchanged: formatted without the (slow) Address parser.
# "=" and "?" are left out: a local part starting "=?" would be read as an RFC 2047 word.
_ATEXT = r"[a-z0-9!#$%&'*+/^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_SPECIALS = frozenset('()<>@,:;."[]\\')  # RFC 5322 specials: a display name holding one is quoted


@dataclass(frozen=True)
class Participant:
    formatted: str  # the design's "Name <addr>" form
    # What bare_address(formatted) reads back (lower-case, no name) when that is known without
    # parsing; None for an unusual address, which bare_address has to read (and may reject).
    address: str | None


def participant(name: str, addr: str) -> Participant:
    """The display form, and the bare address when no parse is needed for it (issue 8)."""
    name, addr = _normalised(name, addr)
    if _PLAIN_ADDRESS.fullmatch(addr):
        return Participant(_plain_display(name, addr), addr)
    return Participant(_display(name, addr), None)


def display(name: str, addr: str) -> str:
    """The design's address form: lower-case address, decoded display name, "Name <addr>".

    Unicode names stay readable (no RFC 2047 re-encoding); names with specials get quoted.
    """
    return participant(name, addr).formatted


def bare_address(formatted: str) -> str:
    return getaddresses([formatted])[0][1].lower()


def domain_of(address: str) -> str | None:
    return domain_of_bare(bare_address(address))


def domain_of_bare(bare: str) -> str | None:
    """The domain of an address bare_address has already read."""
    domain = bare.rsplit("@", 1)[1].strip(".") if "@" in bare else ""
    return domain or None


def _normalised(name: str, addr: str) -> tuple[str, str]:
    return " ".join(name.split()).strip("'\""), addr.strip().lower()


def _plain_display(name: str, addr: str) -> str:
    """What str(Address(name, addr)) gives for a plain dot-atom address."""
    if not name or name.lower() == addr:
        return addr
    if _SPECIALS.isdisjoint(name):
        return f"{name} <{addr}>"
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{addr}>'


def _display(name: str, addr: str) -> str:
    if not name or name.lower() == addr:
        return addr
    try:
        return str(Address(display_name=name, addr_spec=addr))
    except (HeaderParseError, ValueError, IndexError):
        return f"{name} <{addr}>"
