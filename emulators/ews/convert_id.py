"""ConvertId (MS-OXWSCORE 3.1.4.1): enough for exchangelib's version guess and EwsId round trips.

Any response carrying ServerVersionInfo satisfies the version guess; ids of this emulator convert
to the EwsId / EwsLegacyId formats unchanged, anything else is ErrorInvalidIdMalformed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from emulators.ews import ids
from emulators.ews.context import Context
from emulators.ews.request import M, children
from emulators.ews.soap import EwsError, attr, error, success

NAME = "ConvertId"
IDS = f"{M}SourceIds"
TRAILER = ""
_SAME_FORMATS = {"EwsId", "EwsLegacyId"}


def handle(context: Context, body: ET.Element) -> list[str]:
    destination = body.get("DestinationFormat", "EwsId")
    messages = []
    for source in children(body, IDS):
        try:
            if destination not in _SAME_FORMATS or source.get("Format") not in _SAME_FORMATS:
                raise EwsError("ErrorInvalidIdMalformed")
            _decode_any(source.get("Id"))
        except EwsError as failure:
            messages.append(error(NAME, failure, TRAILER))
            continue
        messages.append(
            success(
                NAME,
                f'<m:AlternateId xsi:type="t:AlternateIdType" Format={attr(destination)} '
                f"Id={attr(source.get('Id') or '')} Mailbox={attr(source.get('Mailbox') or '')}/>",
            )
        )
    return messages


def _decode_any(value: str | None) -> None:
    for kind in ("item", "folder", "attachment"):
        try:
            ids.decode(value, kind)
            return
        except EwsError:
            continue
    raise EwsError("ErrorInvalidIdMalformed")
