"""SyncState tokens: opaque base64, bound to mailbox and folder, tamper-evident.

MS-OXWSSYNC: the SyncState is server-defined and opaque; clients store it and send it back.
Ours carries the log cursor (changes.Cursor), the mailbox epoch (random per mailbox model, kept
across restarts by persist.py, bumped by invalidate_sync_states) and the token format's
generation, sealed with an HMAC. Any token that is
not ours, not for this folder, or older than an invalidation is ErrorInvalidSyncStateData.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

from emulators.ews.changes import Cursor
from emulators.ews.soap import EwsError

_VERSION = 1
_MAC_SIZE = 16


@dataclass(frozen=True)
class Position:
    scope: str  # "items" or "hierarchy"
    mailbox: str
    folder: int
    epoch: int
    cursor: Cursor


class SyncStates:
    def __init__(self, key: bytes, generation: bytes) -> None:
        self._key = key
        self._generation = generation[:8].ljust(8, b"\0")

    def seal(self, position: Position) -> str:
        address = position.mailbox.encode()
        payload = (
            struct.pack(">BcB", _VERSION, position.scope[0].encode(), len(address))
            + address
            + self._generation
            + struct.pack(">IIQ", position.folder, position.epoch, position.cursor.seq)
            + _pack_horizons(position.cursor)
        )
        return base64.b64encode(payload + self._mac(payload)).decode()

    def open(self, token: str, scope: str, mailbox: str, folder: int, epoch: int) -> Cursor:
        """The cursor a token records, if it was issued here for this scope, mailbox, folder and epoch;
        no token at all means a first sync, from the beginning."""
        if not token.strip():
            return Cursor()
        try:
            raw = base64.b64decode(token.strip(), validate=True)
            payload, mac = raw[:-_MAC_SIZE], raw[-_MAC_SIZE:]
            if len(raw) <= _MAC_SIZE or not hmac.compare_digest(mac, self._mac(payload)):
                raise ValueError("not sealed here")
            version, kind, size = struct.unpack(">BcB", payload[:3])
            address = payload[3 : 3 + size].decode()
            generation = payload[3 + size : 11 + size]
            folder_uid, token_epoch, seq = struct.unpack(">IIQ", payload[11 + size : 27 + size])
            cursor = _unpack_horizons(seq, payload[27 + size :])
        except (binascii.Error, ValueError, struct.error, UnicodeDecodeError) as exc:
            raise EwsError("ErrorInvalidSyncStateData") from exc
        expected = (_VERSION, scope[0].encode(), mailbox, self._generation, folder, epoch)
        if (version, kind, address, generation, folder_uid, token_epoch) != expected:
            raise EwsError("ErrorInvalidSyncStateData")
        return cursor

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_SIZE]


def _pack_horizons(cursor: Cursor) -> bytes:
    pairs = b"".join(struct.pack(">QQ", covered, head) for covered, head in cursor.horizons)
    return struct.pack(">QH", cursor.floor, len(cursor.horizons)) + pairs


def _unpack_horizons(seq: int, data: bytes) -> Cursor:
    floor, count = struct.unpack(">QH", data[:10])
    if len(data) != 10 + 16 * count:
        raise ValueError("bad horizons")
    horizons = tuple(struct.unpack(">QQ", data[10 + 16 * i : 26 + 16 * i]) for i in range(count))
    return Cursor(seq, floor, horizons)
