"""Calendar invitations (text/calendar, RFC 5545 / iTIP RFC 5546) as one readable line.

Decision (issue 5): the .ics part is always listed as an attachment, so nothing is lost;
only an email whose sole content is the invitation gets this line as its body text, since
Outlook and Google put a readable description in the text/plain or HTML alternative anyway.
"""

from __future__ import annotations

import re

_VERBS = {"REQUEST": "Invitation", "CANCEL": "Cancelled", "REPLY": "Reply to invitation"}
_STAMP = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})\d{2}(Z?))?$")


def summary_line(ics: str) -> str:
    """ "Invitation: Kick-off; 2024-03-12 15:00 UTC to 16:00 UTC; at Room 3" or ""."""
    fields = _fields(ics)
    if "SUMMARY" not in fields and "DTSTART" not in fields:
        return ""
    verb = _VERBS.get(fields.get("METHOD", "").upper(), "Calendar event")
    parts = [f"{verb}: {fields.get('SUMMARY', '(no title)')}"]
    if "DTSTART" in fields:
        when = _when(fields["DTSTART"])
        if "DTEND" in fields:
            when += f" to {_when(fields['DTEND'])}"
        parts.append(when)
    if fields.get("LOCATION"):
        parts.append(f"at {fields['LOCATION']}")
    return "; ".join(parts)


def _fields(ics: str) -> dict[str, str]:
    """First value of each property, lines unfolded (RFC 5545 section 3.1); METHOD from VCALENDAR,
    the rest from the first VEVENT."""
    unfolded = re.sub(r"\r?\n[ \t]", "", ics)
    out: dict[str, str] = {}
    in_event = False
    for line in unfolded.splitlines():
        name, _, value = line.partition(":")
        key, _, params = name.partition(";")
        key = key.strip().upper()
        if key == "BEGIN" and value.strip().upper() == "VEVENT":
            in_event = True
        elif key == "END" and value.strip().upper() == "VEVENT":
            break
        elif (in_event or key == "METHOD") and key not in out:
            zone = re.search(r"TZID=([^;:]+)", params)
            out[key] = _unescape(value.strip()) + (f" ({zone.group(1)})" if zone else "")
    return out


def _when(value: str) -> str:
    stamp, _, zone = value.partition(" ")
    match = _STAMP.match(stamp)
    if not match:
        return value
    year, month, day, hour, minute, utc = match.groups()
    if hour is None:
        return f"{year}-{month}-{day}"
    return f"{year}-{month}-{day} {hour}:{minute}" + (" UTC" if utc else f" {zone}" if zone else "")


def _unescape(text: str) -> str:
    return text.replace("\\n", " ").replace("\\N", " ").replace("\\,", ",").replace("\\;", ";")
