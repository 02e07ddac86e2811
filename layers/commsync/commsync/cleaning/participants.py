"""Addresses as "Name <addr>" strings, plus the bare addresses and domains for filters."""

from __future__ import annotations

from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import getaddresses


def format_address(address: Address) -> str:
    return _display(address.display_name, address.addr_spec)


def _display(name: str, addr: str) -> str:
    """Unicode names stay readable (no RFC 2047 re-encoding); specials get quoted."""
    addr = addr.lower()
    name = " ".join(name.split())
    if not name:
        return addr
    try:
        return str(Address(display_name=name, addr_spec=addr))
    except (HeaderParseError, ValueError, IndexError):
        return f"{name} <{addr}>"


def split_addresses(raw: str) -> list[str]:
    """Fallback for headers the modern policy could not parse: the legacy tokenizer is lenient."""
    out = []
    for name, addr in getaddresses([raw]):
        if addr:
            out.append(_display(name, addr))
    return out


def bare_address(formatted: str) -> str:
    return getaddresses([formatted])[0][1].lower()


def domain_of(address: str) -> str | None:
    bare = bare_address(address)
    return bare.rsplit("@", 1)[1] if "@" in bare else None
