"""SOAP envelopes, response messages and faults as Exchange 2016 (15.1) writes them.

Responses are built as strings (fast for 512-change pages and 100-item GetItem batches); every
piece of text or attribute that comes from data goes through `text()` / `attr()`.
Shapes follow Microsoft's samples (tests/fixtures/ews/ cites them): a per-message error carries
MessageText, ResponseCode, DescriptiveLinkKey and the operation's empty container; request-wide
failures (throttling, impersonation) are HTTP 500 SOAP faults with `e:ResponseCode` in `detail`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
TYPES_NS = "http://schemas.microsoft.com/exchange/services/2006/types"
MESSAGES_NS = "http://schemas.microsoft.com/exchange/services/2006/messages"
ERRORS_NS = "http://schemas.microsoft.com/exchange/services/2006/errors"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSD_NS = "http://www.w3.org/2001/XMLSchema"

# Exchange 2016 CU23; V2017_07_11 is the schema version such servers report (MS-OXWSCDATA 2.2.3.10).
SERVER_VERSION_INFO = (
    '<h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" '
    f'Version="V2017_07_11" xmlns:h="{TYPES_NS}" xmlns="{TYPES_NS}" '
    f'xmlns:xsd="{XSD_NS}" xmlns:xsi="{XSI_NS}"/>'
)

# Characters XML 1.0 forbids even escaped; mail headers do contain them now and then.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;"})

MESSAGE_TEXTS = {
    "ErrorAccessDenied": "Access is denied. Check credentials and try again.",
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorImpersonateUserDenied": "The account does not have permission to impersonate the requested user.",
    "ErrorInvalidExchangeImpersonationHeaderData": (
        "ExchangeImpersonation SOAP header must be present for this type of OAuth token."
    ),
    "ErrorInvalidIdMalformed": "Id is malformed.",
    "ErrorInvalidOperation": "The requested operation is not valid.",
    "ErrorInvalidSyncStateData": "Synchronization state data is corrupt or otherwise invalid.",
    "ErrorItemNotFound": "The specified object was not found in the store.",
    "ErrorNonExistentMailbox": "The SMTP address has no mailbox associated with it.",
    "ErrorSchemaValidation": "The request failed schema validation.",
    "ErrorServerBusy": "The server cannot service this request right now. Try again later.",
}


def text(value: str) -> str:
    return _ILLEGAL.sub("", value).translate(_TEXT_ESCAPES)


def attr(value: str) -> str:
    return '"' + _ILLEGAL.sub("", value).translate(_ATTR_ESCAPES) + '"'


def element(tag: str, value: str | None) -> str:
    """`<tag>value</tag>`, or nothing when the value is absent (EWS omits unset properties)."""
    if value is None:
        return ""
    return f"<{tag}>{text(value)}</{tag}>" if value else f"<{tag}/>"


def boolean(value: bool) -> str:
    return "true" if value else "false"


def message_text(code: str) -> str:
    return MESSAGE_TEXTS.get(code, code)


@dataclass
class EwsError(Exception):
    """A per-message error: ResponseClass="Error" for one id, the others still answered."""

    code: str
    message: str = ""
    message_xml: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.message or message_text(self.code)}"


@dataclass
class SoapFault(Exception):
    """A request-wide error that Exchange reports as an HTTP 500 SOAP fault."""

    code: str
    message: str = ""
    message_xml: str = ""

    def __str__(self) -> str:
        return f"{self.code}: {self.message or message_text(self.code)}"


def envelope(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<s:Envelope xmlns:s="{SOAP_NS}"><s:Header>{SERVER_VERSION_INFO}</s:Header>'
        f'<s:Body xmlns:xsi="{XSI_NS}" xmlns:xsd="{XSD_NS}">{body}</s:Body></s:Envelope>'
    ).encode()


def response(operation: str, messages: list[str]) -> bytes:
    return envelope(
        f'<m:{operation}Response xmlns:m="{MESSAGES_NS}" xmlns:t="{TYPES_NS}">'
        f"<m:ResponseMessages>{''.join(messages)}</m:ResponseMessages></m:{operation}Response>"
    )


def success(operation: str, inner: str) -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>'
        f"{inner}</m:{operation}ResponseMessage>"
    )


def error(operation: str, failure: EwsError, trailer: str = "") -> str:
    """MS-OXWSCDATA ResponseMessageType: MessageText, ResponseCode, DescriptiveLinkKey, MessageXml, then
    the operation's own (empty) elements, e.g. `<m:Folders/>` or SyncState + IncludesLastItemInRange."""
    message_xml = f"<m:MessageXml>{failure.message_xml}</m:MessageXml>" if failure.message_xml else ""
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Error">'
        f"<m:MessageText>{text(failure.message or message_text(failure.code))}</m:MessageText>"
        f"<m:ResponseCode>{failure.code}</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        f"{message_xml}{trailer}</m:{operation}ResponseMessage>"
    )


def fault(failure: SoapFault) -> bytes:
    """The fault shape Exchange sends (faultcode in the types namespace, e:ResponseCode in detail)."""
    message = text(failure.message or message_text(failure.code))
    message_xml = (
        f'<t:MessageXml xmlns:t="{TYPES_NS}">{failure.message_xml}</t:MessageXml>'
        if failure.message_xml
        else ""
    )
    return envelope(
        f'<s:Fault><faultcode xmlns:a="{TYPES_NS}">a:{failure.code}</faultcode>'
        f'<faultstring xml:lang="en-US">{message}</faultstring><detail>'
        f'<e:ResponseCode xmlns:e="{ERRORS_NS}">{failure.code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{ERRORS_NS}">{message}</e:Message>{message_xml}</detail></s:Fault>'
    )


def server_busy(back_off_ms: int) -> SoapFault:
    """ErrorServerBusy with the back-off hint (exchangelib reads t:MessageXml/t:Value[@Name])."""
    return SoapFault(
        "ErrorServerBusy", message_xml=f'<t:Value Name="BackOffMilliseconds">{back_off_ms}</t:Value>'
    )
