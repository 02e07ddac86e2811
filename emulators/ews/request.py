"""Reading an EWS request: the operation element, the impersonation header, shapes and ids."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from emulators.ews.soap import MESSAGES_NS, SOAP_NS, TYPES_NS, SoapFault

T = f"{{{TYPES_NS}}}"
M = f"{{{MESSAGES_NS}}}"
_S = f"{{{SOAP_NS}}}"


@dataclass(frozen=True)
class Request:
    operation: str
    body: ET.Element  # the operation element, e.g. m:GetFolder
    impersonated: str | None  # t:ExchangeImpersonation/t:ConnectingSID address, if sent


@dataclass(frozen=True)
class Shape:
    """ItemShape / FolderShape / AttachmentShape: a base shape plus the FieldURIs asked for."""

    base: str = "IdOnly"
    fields: frozenset[str] = field(default_factory=frozenset)
    include_mime: bool = False
    body_type: str = "Best"


def parse(body: bytes) -> Request:
    try:
        # Request bodies come from test clients on loopback; ElementTree resolves no external entities
        # and the bundled expat refuses entity expansion attacks.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise SoapFault("ErrorSchemaValidation", f"The request failed schema validation: {exc}.") from exc
    soap_body = root.find(f"{_S}Body")
    if root.tag != f"{_S}Envelope" or soap_body is None or len(soap_body) == 0:
        raise SoapFault("ErrorSchemaValidation", "The request failed schema validation: no SOAP Body.")
    operation = soap_body[0]
    if not operation.tag.startswith(M):
        raise SoapFault("ErrorSchemaValidation", f"The request failed schema validation: {operation.tag}.")
    return Request(operation.tag[len(M) :], operation, _impersonated(root.find(f"{_S}Header")))


def _impersonated(header: ET.Element | None) -> str | None:
    if header is None:
        return None
    sid = header.find(f"{T}ExchangeImpersonation/{T}ConnectingSID")
    if sid is None:
        return None
    # MS-OXWSCDATA ConnectingSIDType: one of PrincipalName, SID, PrimarySmtpAddress, SmtpAddress.
    for name in ("PrimarySmtpAddress", "SmtpAddress", "PrincipalName", "SID"):
        value = sid.findtext(f"{T}{name}")
        if value:
            return value.strip().lower()
    raise SoapFault("ErrorInvalidExchangeImpersonationHeaderData", "The impersonation header names nobody.")


def shape(element: ET.Element | None) -> Shape:
    if element is None:
        return Shape()
    fields = frozenset(
        uri.get("FieldURI", "") for uri in element.iterfind(f"{T}AdditionalProperties/{T}FieldURI")
    )
    return Shape(
        base=(element.findtext(f"{T}BaseShape") or "IdOnly").strip(),
        fields=fields,
        include_mime=(element.findtext(f"{T}IncludeMimeContent") or "").strip() == "true",
        body_type=(element.findtext(f"{T}BodyType") or "Best").strip(),
    )


def children(element: ET.Element, path: str) -> list[ET.Element]:
    container = element.find(path)
    return [] if container is None else list(container)


def mailbox_address(folder_id: ET.Element) -> str | None:
    address = folder_id.findtext(f"{T}Mailbox/{T}EmailAddress")
    return address.strip().lower() if address else None


def int_value(element: ET.Element, path: str, default: int) -> int:
    value = element.findtext(path)
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError as exc:
        raise SoapFault("ErrorSchemaValidation", f"The request failed schema validation: {path}.") from exc
