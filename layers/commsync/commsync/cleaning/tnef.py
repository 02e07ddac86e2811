"""The names of the files inside an Outlook winmail.dat (TNEF, MS-OXTNEF), read cheaply.

We do not unpack TNEF (its attachments' bytes and the RTF body stay inside winmail.dat, which
is listed as one attachment); we only read the attachment titles so that the warning can say
what is hidden in it. MS-OXTNEF 2.1.3: a 4-byte signature 0x223E9F78, a 2-byte key, then
attributes: level (1 byte), id (4), length (4), data, checksum (2), all little-endian.
"""

from __future__ import annotations

import struct

SIGNATURE = 0x223E9F78
_LEVEL_ATTACHMENT = 0x02
_ATT_ATTACH_TITLE = 0x00018010  # MS-OXTNEF 2.1.3.3.13 attAttachTitle: the file name, 8-bit string
_MAX_NAMES = 100


def attachment_names(data: bytes) -> list[str] | None:
    """File names in the TNEF stream, or None when it is not TNEF at all."""
    if len(data) < 6 or struct.unpack_from("<I", data, 0)[0] != SIGNATURE:
        return None
    names: list[str] = []
    at = 6
    while at + 9 <= len(data) and len(names) < _MAX_NAMES:
        level = data[at]
        attribute, length = struct.unpack_from("<II", data, at + 1)
        start = at + 9
        if start + length > len(data):
            break  # truncated stream: keep what we read
        if level == _LEVEL_ATTACHMENT and attribute == _ATT_ATTACH_TITLE:
            raw = data[start : start + length].split(b"\x00", 1)[0]
            try:
                name = raw.decode("utf-8")
            except UnicodeDecodeError:
                name = raw.decode("cp1252", "replace")  # TNEF strings use the sender's ANSI code page
            if name.strip():
                names.append(name.strip())
        at = start + length + 2
    return names
