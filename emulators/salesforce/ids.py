"""Salesforce record ids: a 3-character key prefix, then a 15-character case-sensitive id, then the
3-character suffix that makes the 18-character form case-insensitive.

The suffix (documented with the Id field type): split the 15 characters into three groups of five;
for each group, a 5-bit number whose bit i is set when character i is an upper-case letter,
written with the alphabet A-Z0-5.
"""

from __future__ import annotations

import itertools
import string
import threading

_SUFFIX_ALPHABET = string.ascii_uppercase + "012345"
_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Pod "5g" and a reserved "0", as in ids of orgs on current instances (e.g. 5005g00000AbCdE).
_POD = "5g0"


def with_suffix(id15: str) -> str:
    if len(id15) != 15 or any(c not in _BASE62 for c in id15):
        raise ValueError(f"not a 15-character Salesforce id: {id15!r}")
    suffix = ""
    for start in (0, 5, 10):
        bits = sum(1 << i for i, c in enumerate(id15[start : start + 5]) if c.isupper())
        suffix += _SUFFIX_ALPHABET[bits]
    return id15 + suffix


def _base62(number: int, width: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    return digits.rjust(width, "0")


class IdFactory:
    """Thread-safe: distinct ids per key prefix, in increasing order (as Salesforce allocates them)."""

    def __init__(self, start: int = 1) -> None:
        self._counter = itertools.count(start)
        self._lock = threading.Lock()

    def new(self, key_prefix: str) -> str:
        with self._lock:
            number = next(self._counter)
        return with_suffix(key_prefix + _POD + _base62(number, 9))


def id_for(key_prefix: str, seed: str) -> str:
    """A stable id derived from a name (an org or a user named in the data file without an id)."""
    number = int.from_bytes(seed.encode()[:8].ljust(8, b"\0"), "big") % (62**9)
    return with_suffix(key_prefix + _POD + _base62(number, 9))
