"""Writes the sample mail export behind `commsync demo` (the data is in demo/corpus.py).

Layout: `<root>/<mailbox address>/<Folder>[/<Subfolder>]/<key>.eml`. The bytes are the same on every run:
fixed dates, fixed Message-IDs and numbered MIME boundaries. Each message exercises something a comment
pipeline meets in real mailboxes: reply chains quoted the way Outlook, Gmail and Japanese or French clients
quote, signatures, HTML-only mail, attachments, legacy charsets, and a few broken or missing headers.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import MIMEPart
from email.parser import BytesParser
from email.utils import format_datetime
from pathlib import Path

from commsync.demo.corpus import ATTACHMENTS, BODIES, INVITE_ICS, MAILS, PEOPLE, Mail

# CRLF line ends: RFC 5322 section 2.1, and what EWS MimeContent and Graph's /$value return.
_POLICY = policy.SMTP


@dataclass(frozen=True)
class DemoSummary:
    mailboxes: list[str]
    files: int
    distinct_messages: int


def write_demo_mailboxes(root: Path) -> DemoSummary:
    built: dict[str, _Built] = {}
    mailboxes: set[str] = set()
    files = 0
    for mail in MAILS:
        entry = built[mail.key] = _build(mail, built)
        for place in mail.places:
            owner, folder = place.split("/", 1)
            mailbox = PEOPLE[owner].address
            target = root / mailbox / folder / f"{mail.key}.eml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(entry.raw)
            mailboxes.add(mailbox)
            files += 1
    return DemoSummary(mailboxes=sorted(mailboxes), files=files, distinct_messages=len(built))


@dataclass(frozen=True)
class _Built:
    mail: Mail
    when: datetime
    subject: str
    text: str
    message_id: str
    references: tuple[str, ...]
    raw: bytes


def _build(mail: Mail, done: dict[str, _Built]) -> _Built:
    parent = done[mail.parent] if mail.parent else None
    sender = PEOPLE[mail.sender]
    when = datetime.strptime(mail.date, "%Y-%m-%d %H:%M %z")
    subject = mail.subject or _derived_subject(parent, sender.client, mail.relation)
    text = BODIES[mail.key]
    if mail.signed and sender.signature:
        text += "\n\n" + sender.signature
    if parent is not None and mail.relation != "attach":
        text += "\n\n" + _quote(parent, sender.client, when, mail.relation == "forward")
    message_id = f"<{when:%Y%m%d%H%M}.{mail.key}@{sender.address.split('@')[1]}>"
    references: tuple[str, ...] = ()
    if parent is not None and mail.relation == "reply":
        references = (*parent.references, parent.message_id)
    headers = {
        "From": sender.display,
        "To": _displays(mail.to, ", "),
        "Cc": _displays(mail.cc, ", "),
        "Subject": subject,
        "Date": format_datetime(when),
        "Message-ID": message_id if mail.has_message_id else "",
        "In-Reply-To": references[-1] if references else "",
        "References": " ".join(references),
        "MIME-Version": "1.0",
    }
    original = parent.raw if parent is not None and mail.relation == "attach" else None
    raw = _render(mail, headers, text, sender.client, original)
    return _Built(mail, when, subject, text, message_id, references, raw)


def _render(mail: Mail, headers: dict[str, str], text: str, client: str, original: bytes | None) -> bytes:
    # MIMEPart rather than EmailMessage: the latter stamps MIME-Version on every attachment part.
    msg = MIMEPart(policy=_POLICY)
    verbatim = dict(mail.raw)
    for name, value in headers.items():
        if name in verbatim:
            msg.set_raw(name, verbatim[name])
        elif value:
            msg[name] = value
    msg.set_content(text, subtype="html" if mail.kind == "html" else "plain", charset=mail.charset)
    if mail.kind == "invite":
        msg.add_alternative(INVITE_ICS, subtype="calendar", params={"method": "REQUEST"})
    elif mail.kind == "plain" and client.startswith("outlook"):
        # Outlook always sends an HTML alternative beside the plain text.
        msg.add_alternative(_as_html(text, mail.charset), subtype="html", charset=mail.charset)
    for name in mail.attach:
        content_type, data = ATTACHMENTS[name]
        maintype, subtype = content_type.split("/")
        if maintype == "text":
            msg.add_attachment(data.decode(), subtype=subtype, filename=name)
        else:
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if original is not None:
        forwarded = BytesParser(policy=_POLICY).parsebytes(original)
        msg.add_attachment(forwarded, filename=f"{forwarded['Subject']}.eml")
    # The generator draws boundaries at random; numbered ones keep the bytes stable across runs.
    multiparts = [p for p in msg.walk() if p.get_content_maintype() == "multipart" and not p.get_boundary()]
    for number, part in enumerate(multiparts, start=1):
        part.set_boundary(f"----=_Part_{number}_{mail.key}")
    return msg.as_bytes(policy=_POLICY)


def _displays(keys: str, separator: str) -> str:
    return separator.join(PEOPLE[key].display for key in keys.split())


def _as_html(text: str, charset: str) -> str:
    escaped = (html.escape(paragraph).replace("\n", "<br>\n") for paragraph in text.split("\n\n"))
    paragraphs = "\n".join(f"<p>{paragraph}</p>" for paragraph in escaped)
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    return f"<html><head>{head}</head>\n<body>\n{paragraphs}\n</body></html>"


_PREFIXES = {"outlook": ("RE: ", "FW: "), "outlook_de": ("AW: ", "WG: ")}


def _derived_subject(parent: _Built | None, client: str, relation: str) -> str:
    assert parent is not None, "a message without a subject must have a parent"
    reply, forward = _PREFIXES.get(client, ("Re: ", "Fwd: "))
    prefix = reply if relation == "reply" else forward
    # Clients do not repeat their own prefix, but happily stack another client's ("AW: RE: ...").
    return parent.subject if parent.subject.lower().startswith(prefix.lower()) else prefix + parent.subject


# fmt: off
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_DE_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_DE_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
              "November", "Dezember")
_FR_DAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
_FR_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
              "déc.")
# fmt: on
_JA_DAYS = "月火水木金土日"


def _quote(parent: _Built, client: str, when: datetime, forward: bool) -> str:
    """The history under a reply, shaped as the replying client writes it, in the replier's time zone."""
    d = parent.when.astimezone(when.tzinfo)
    day, month = d.weekday(), d.month - 1
    clock = f"{(d.hour + 11) % 12 + 1}:{d:%M} {'AM' if d.hour < 12 else 'PM'}"
    if client == "outlook":
        sent = f"{_EN_DAYS[day]}, {_EN_MONTHS[month]} {d.day}, {d.year} {clock}"
        return _header_block("_" * 32, ("From", "Sent", "To", "Cc", "Subject"), sent, parent)
    if client == "outlook_de":
        sent = f"{_DE_DAYS[day]}, {d.day}. {_DE_MONTHS[month]} {d.year} {d:%H:%M}"
        labels = ("Von", "Gesendet", "An", "Cc", "Betreff")
        return _header_block("-----Ursprüngliche Nachricht-----", labels, sent, parent)
    gmail_date = f"{_EN_DAYS[day][:3]}, {_EN_MONTHS[month][:3]} {d.day}, {d.year} at {clock}"
    if forward:
        labels = ("From", "Date", "To", "Cc", "Subject")
        return _header_block("---------- Forwarded message ---------", labels, gmail_date, parent)
    who = PEOPLE[parent.mail.sender].display
    intros = {
        "fr": f"Le {_FR_DAYS[day]} {d.day} {_FR_MONTHS[month]} {d.year} à {d:%H:%M}, {who} a écrit :",
        "ja": f"{d.year}年{d.month}月{d.day}日({_JA_DAYS[day]}) {d:%H:%M} {who}:",
    }
    intro = intros.get(client, f"On {gmail_date} {who} wrote:")
    return "\n".join([intro, *(f"> {line}" if line else ">" for line in parent.text.splitlines())])


def _header_block(rule: str, labels: tuple[str, ...], sent: str, parent: _Built) -> str:
    sender = PEOPLE[parent.mail.sender].display
    values = (sender, sent, _displays(parent.mail.to, "; "), _displays(parent.mail.cc, "; "), parent.subject)
    lines = [f"{label}: {value}" for label, value in zip(labels, values, strict=True) if value]
    return "\n".join([rule, *lines, "", parent.text])
