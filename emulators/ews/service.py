"""One SOAP request to one response: parse, inject faults, check access, run the operation."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

from emulators.ews import (
    convert_id,
    find_folder,
    find_item,
    get_attachment,
    get_folder,
    get_item,
    ids,
    sync_folder_hierarchy,
    sync_folder_items,
)
from emulators.ews.auth import Caller
from emulators.ews.context import Context
from emulators.ews.faults import Faults
from emulators.ews.request import M, Request, T, parse
from emulators.ews.soap import EwsError, SoapFault, error, fault, response, server_busy
from emulators.ews.store import MailStore
from emulators.stats import Stats


@dataclass(frozen=True)
class Operation:
    name: str
    ids: str | None  # the container whose children each get a response message (None: exactly one)
    trailer: str  # the empty elements an error message of this operation ends with
    handle: Callable[[Context, ET.Element], list[str]]


_MODULES = (convert_id, find_folder, find_item, get_attachment, get_folder, get_item, sync_folder_hierarchy)
OPERATIONS = {
    module.NAME: Operation(module.NAME, module.IDS, module.TRAILER, module.handle)
    for module in (*_MODULES, sync_folder_items)
}
_ID_KINDS = {f"{T}ItemId": "item", f"{T}FolderId": "folder", f"{T}AttachmentId": "attachment"}
# Codes Exchange reports for the whole request as a SOAP fault rather than per response message.
FAULT_CODES = {
    "ErrorServerBusy",
    "ErrorImpersonateUserDenied",
    "ErrorInvalidExchangeImpersonationHeaderData",
    "ErrorSchemaValidation",
    "ErrorInvalidServerVersion",
}


@dataclass
class Service:
    store: MailStore
    faults: Faults
    stats: Stats
    deny: frozenset[tuple[str, str]]
    refresh: Callable[[], None] = lambda: None  # see the data directory's changes (live_data.py)

    def handle(self, caller: Caller, body: bytes, anchor: str | None) -> tuple[int, bytes]:
        """(HTTP status, SOAP envelope): 200 for responses, 500 for SOAP faults (as Exchange does)."""
        self.refresh()
        try:
            request = parse(body)
            operation = OPERATIONS.get(request.operation)
            if operation is None:
                raise SoapFault(
                    "ErrorInvalidOperation", f"The emulator does not implement {request.operation}."
                )
            target = _target_mailbox(request, anchor)
            self.stats.count(f"op:{operation.name}", f"mailbox:{target or '-'}")
            injected = self._injected(operation, request, target)
            if injected is not None:
                return injected
            if operation.ids is not None and request.body.find(operation.ids) is None:
                # The schema requires the id container (GetFolder without FolderIds is invalid).
                detail = f"{operation.name} needs {operation.ids.removeprefix(M)}"
                raise SoapFault("ErrorSchemaValidation", f"The request failed schema validation: {detail}.")
            context = Context.open(self.store, caller, self.deny, request)
            try:
                return 200, response(operation.name, operation.handle(context, request.body))
            except EwsError as failure:  # a request-wide problem (a bad shape or view): every id fails
                return 200, response(operation.name, self._each(operation, request, failure))
        except SoapFault as failure:
            self.stats.count("faults")
            return 500, fault(failure)

    def _injected(
        self, operation: Operation, request: Request, target: str | None
    ) -> tuple[int, bytes] | None:
        injection = self.faults.decide(target)
        if injection is None:
            return None
        if injection.delay_seconds:
            time.sleep(injection.delay_seconds)
        if injection.error is None:
            return None
        if injection.error == "HTTP503":  # the load balancer or IIS in front of EWS, not EWS itself
            return 503, b"Service Unavailable"
        if injection.error == "ErrorServerBusy":
            raise server_busy(injection.back_off_ms)
        if injection.error in FAULT_CODES:
            raise SoapFault(injection.error)
        return 200, response(operation.name, self._each(operation, request, EwsError(injection.error)))

    @staticmethod
    def _each(operation: Operation, request: Request, failure: EwsError) -> list[str]:
        container = request.body.find(operation.ids) if operation.ids else None
        count = 1 if operation.ids is None else max(len(container) if container is not None else 0, 1)
        return [error(operation.name, failure, operation.trailer)] * count


def _target_mailbox(request: Request, anchor: str | None) -> str | None:
    """The mailbox faults and stats are keyed by: the impersonated one, else X-AnchorMailbox (which
    exchangelib sends on every account request), else the first mailbox the body names or an id encodes."""
    if request.impersonated:
        return request.impersonated
    if anchor:
        return anchor.strip().lower()
    named = request.body.findtext(f".//{T}Mailbox/{T}EmailAddress")
    if named:
        return named.strip().lower()
    for element in request.body.iter():
        kind = _ID_KINDS.get(element.tag)
        if kind is not None:
            try:
                return ids.decode(element.get("Id"), kind).mailbox
            except EwsError:
                continue
    return None
