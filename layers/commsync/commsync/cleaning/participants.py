"""Addresses as "Name <addr>" strings, plus the bare addresses and domains for filters."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses


def display(name: str, addr: str) -> str:
    """The design's address form: lower-case address, decoded display name, "Name <addr>".

    Unicode names stay readable (no RFC 2047 re-encoding); names with specials get quoted.
    """
    addr = addr.strip().lower()
    name = " ".join(name.split()).strip("'\"")
    if not name or name.lower() == addr:
        return addr
    try:
        return str(Address(display_name=name, addr_spec=addr))
    except (HeaderParseError, ValueError, IndexError):
        return f"{name} <{addr}>"


def bare_address(formatted: str) -> str:
    return getaddresses([formatted])[0][1].lower()


def domain_of(address: str) -> str | None:
    bare = bare_address(address)
    domain = bare.rsplit("@", 1)[1].strip(".") if "@" in bare else ""
    return domain or None
