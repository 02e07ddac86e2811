"""A record as the RFC 5322 message cleaning expects, plus what MIME cannot carry as user properties.

EmailMessage maps field by field (Object Reference, EmailMessage): FromName/FromAddress -> From,
ToAddress/CcAddress/BccAddress (addresses separated by ";") -> To/Cc/Bcc, MessageDate -> Date,
MessageIdentifier -> Message-ID, TextBody and HtmlBody -> text/plain and text/html, the parent case
-> X-Salesforce-Parent-Id and a user property; In-Reply-To and References come from the stored
`Headers` of an incoming email, so replies thread with the same email synced from a mailbox;
without them an email threads under its case (References: the case's stand-in Message-ID).
Other objects: the configured subject, body and sender fields; Date is CreatedDate. Configured
property fields become `string:<API name>` (numbers `number:`), a parent's `string:Account.Name`,
a compound field's components `string:BillingAddress.city`.
Without a MessageIdentifier the Message-ID is derived from the record id, so a re-sync makes no
second comment (docs/architecture.md#the-comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import HeaderParser
from email.utils import format_datetime
from typing import Any

from commsync.sources.salesforce import mime
from commsync.sources.salesforce.checkpoint import parse_datetime
from commsync.sources.salesforce.plan import SyncPlan
from commsync.sources.salesforce.relations import field_value
from commsync.sources.salesforce.schema import NUMBER_TYPES, FieldInfo

OBJECT = "string:Salesforce Object"
RECORD_ID = "string:Salesforce Id"
RECORD_URL = "string:Salesforce URL"
PARENT_ID = "string:Salesforce Parent Id"
DIRECTION = "string:Direction"
_ADDRESS_SPLIT = re.compile(r"[;,]")
_THREAD_HEADERS = ("In-Reply-To", "References")

Properties = dict[str, str | int | float]


@dataclass(frozen=True)
class Mapped:
    mime: bytes
    properties: Properties
    received_at: datetime | None


def map_record(plan: SyncPlan, record: dict[str, Any], instance_url: str) -> Mapped:
    raw = _email(plan, record) if plan.is_email else _other(plan, record)
    properties: Properties = {
        OBJECT: plan.schema.name,
        RECORD_ID: str(record["Id"]),
        RECORD_URL: f"{instance_url}/{record['Id']}",
    }
    if plan.is_email:
        if record.get("ParentId"):
            properties[PARENT_ID] = str(record["ParentId"])
        if record.get("Incoming") is not None:
            properties[DIRECTION] = "incoming" if record["Incoming"] else "outgoing"
    for info in plan.properties:
        for name, value in _properties_of(info, field_value(record, info.name)):
            properties[f"{'number' if isinstance(value, int | float) else 'string'}:{name}"] = value
    return Mapped(raw, properties, _when(record))


def _properties_of(info: FieldInfo, value: Any) -> list[tuple[str, str | int | float]]:
    """One property per field; a compound field (Address, Location: a JSON object in REST answers)
    one per component, `string:BillingAddress.city`, `number:Location__c.latitude` (issue 19)."""
    if isinstance(value, dict):
        parts = [(f"{info.name}.{key}", _component(inner)) for key, inner in value.items()]
        return [(name, one) for name, one in parts if one is not None]
    single = _property_value(info, value)
    return [] if single is None else [(info.name, single)]


def _component(value: Any) -> str | int | float | None:
    if value is None or value == "" or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, int | float) else str(value)[:2000]


def record_message_id(object_name: str, record_id: str) -> str:
    """The stand-in Message-ID of a record without one: stable, so a re-sync is the same comment."""
    return f"<{record_id}@{object_name.lower()}.salesforce>"


def _when(record: dict[str, Any]) -> datetime | None:
    raw = record.get("MessageDate") or record.get("CreatedDate")
    return parse_datetime(str(raw)) if raw else None


def _email(plan: SyncPlan, record: dict[str, Any]) -> bytes:
    headers: list[tuple[str, str]] = []
    sender = _text(record, "FromAddress")
    if sender:
        headers.append(("From", mime.address(_text(record, "FromName"), sender)))
    for header, name in (("To", "ToAddress"), ("Cc", "CcAddress"), ("Bcc", "BccAddress")):
        addresses = [mime.address("", a) for a in _ADDRESS_SPLIT.split(_text(record, name)) if a.strip()]
        if addresses:
            headers.append((header, ", ".join(addresses)))
    headers += _common_headers(plan, record, _text(record, "Subject"), _text(record, "MessageIdentifier"))
    parent = _text(record, "ParentId")
    if parent:
        headers.append(("X-Salesforce-Parent-Id", mime.one_line(parent)))
    threading = _thread_headers(_text(record, "Headers"))
    if parent and not threading:
        # EmailMessage.ParentId is always a Case: thread the case's emails under the case's comment.
        threading = [("References", record_message_id("Case", parent))]
    return mime.build(headers + threading, _text(record, "TextBody"), _text(record, "HtmlBody"))


def _other(plan: SyncPlan, record: dict[str, Any]) -> bytes:
    headers: list[tuple[str, str]] = []
    sender = _text(record, plan.sender.name).strip() if plan.sender else ""
    if "@" in sender:
        headers.append(("From", mime.address("", sender)))
    subject = _text(record, plan.subject.name) if plan.subject else ""
    headers += _common_headers(plan, record, subject, "")
    if len(plan.bodies) == 1 and plan.bodies[0].html:
        return mime.build(headers, "", _text(record, plan.bodies[0].name))
    sections = [(info.label, _text(record, info.name)) for info in plan.bodies]
    present = [(label, text) for label, text in sections if text.strip()]
    if len(plan.bodies) == 1:
        return mime.build(headers, present[0][1] if present else "", "")
    return mime.build(headers, "\n\n".join(f"{label}:\n{text}" for label, text in present), "")


def _common_headers(
    plan: SyncPlan, record: dict[str, Any], subject: str, message_id: str
) -> list[tuple[str, str]]:
    headers = [("Subject", mime.encoded(subject))]
    when = _when(record)
    if when is not None:
        headers.append(("Date", format_datetime(when.astimezone(UTC))))
    message_id = mime.one_line(message_id)
    if message_id and not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    record_id = str(record["Id"])
    headers += [
        ("Message-ID", message_id or record_message_id(plan.schema.name, record_id)),
        ("X-Salesforce-Object", plan.schema.name),
        ("X-Salesforce-Id", record_id),
    ]
    return headers


def _thread_headers(headers: str) -> list[tuple[str, str]]:
    if not headers.strip():
        return []
    try:
        stored = HeaderParser().parsestr(headers)
        found = [(name, stored.get(name)) for name in _THREAD_HEADERS]
    except (ValueError, TypeError):
        return []  # a malformed stored header block: the email still syncs, unthreaded
    return [(name, mime.one_line(str(value))) for name, value in found if value and "<" in str(value)]


def _text(record: dict[str, Any], name: str) -> str:
    value = field_value(record, name)
    return "" if value is None else str(value)


def _property_value(info: FieldInfo, value: Any) -> str | int | float | None:
    if value is None or value == "":
        return None
    if info.type in NUMBER_TYPES and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:2000]
