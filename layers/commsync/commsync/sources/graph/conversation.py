"""The threading headers of an email read as Graph properties, for the stand-in of a large email.

thread_id comes from References, In-Reply-To or Thread-Index (cleaning/thread.py), which `/$value`
carries and the message's JSON does not, so they are asked for explicitly and from where each copy
has them:
- `internetMessageHeaders` (message resource: "returned only on applying a $select query option")
  holds the transport headers of a received email, all four of them; a copy in Sent Items has no
  transport headers at all (microsoft-graph-docs issue 2716).
- In-Reply-To and References are also the MAPI properties PidTagInReplyToId (0x1042) and
  PidTagInternetReferences (0x1039), which every copy has and which EWS returns as InReplyTo and
  References: read through `$expand=singleValueExtendedProperties(...)`.
- Thread-Index is PidTagConversationIndex (MS-OXOMSG 2.2.1.3), Graph's `conversationIndex`, which
  Exchange writes into the MIME it exports. (`conversationId` names the conversation, but not by
  a Message-ID, so it cannot give the thread_id that the MIME path gives.)
"""

from __future__ import annotations

from typing import Any

SELECT = "internetMessageHeaders,conversationIndex"
_IN_REPLY_TO, _REFERENCES = "String 0x1042", "String 0x1039"
EXPAND = f"singleValueExtendedProperties($filter=id eq '{_IN_REPLY_TO}' or id eq '{_REFERENCES}')"
# In the order the MIME path would read them; Thread-Topic is carried for readers of the raw MIME.
THREAD_HEADERS = ("In-Reply-To", "References", "Thread-Index", "Thread-Topic")


def threading_headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, value) of each threading header the message has, from the best source for each."""
    transport = _transport_headers(message.get("internetMessageHeaders"))
    extended = _extended(message.get("singleValueExtendedProperties"))
    fallback = {
        "In-Reply-To": extended.get(_IN_REPLY_TO.lower(), ""),
        "References": extended.get(_REFERENCES.lower(), ""),
        "Thread-Index": str(message.get("conversationIndex") or ""),
    }
    found = []
    for name in THREAD_HEADERS:
        value = transport.get(name.lower()) or fallback.get(name, "")
        if value.strip():
            found.append((name, " ".join(value.split())))
    return found


def _transport_headers(values: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in values if isinstance(values, list) else []:
        if isinstance(header, dict) and header.get("name"):
            # The first occurrence wins, as in a parsed MIME header block.
            found.setdefault(str(header["name"]).lower(), str(header.get("value") or ""))
    return found


def _extended(values: Any) -> dict[str, str]:
    return {
        " ".join(str(p.get("id", "")).split()).lower(): str(p.get("value") or "")
        for p in (values if isinstance(values, list) else [])
        if isinstance(p, dict)
    }
