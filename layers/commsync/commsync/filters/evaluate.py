"""The filter definition, evaluated over one email's facts.

- `category`: one of the email's categories, case-insensitively. Categories travel in the MIME
  `Keywords` header, which is where Exchange writes an item's categories on MIME export.
- `after` / `before` (YYYY/MM/DD): received on or after / before that day's 00:00 UTC. The
  received time is the server's when the source reports it, else the sent time.
- `from`: the sender's address (`ann@northwind.example`), or a domain (`northwind.example` or
  `@northwind.example`) that matches the sender's domain; case-insensitive.
- `has: attachment`: the comment lists at least one attachment (inline images excluded).
- `{"AND": [...]}` every one; `{"OR": [...]}` any one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.parser import BytesHeaderParser

from commsync.cleaning.build import CleanedComment
from commsync.cleaning.headers import decode_header
from commsync.cleaning.participants import bare_address, domain_of
from commsync.models.filters import FilterGroup, FilterTerm, SyncFilter


@dataclass(frozen=True)
class EmailFacts:
    received_at: datetime
    sender: str  # bare address, lower case; "" when there is none
    categories: frozenset[str]  # case-folded
    has_attachment: bool


def day(value: str) -> datetime:
    """YYYY/MM/DD -> that day's start in UTC."""
    return datetime.strptime(value, "%Y/%m/%d").replace(tzinfo=UTC)


def categories_of(raw: bytes) -> frozenset[str]:
    headers = BytesHeaderParser().parsebytes(raw)
    values = headers.get_all("Keywords") or []
    found: set[str] = set()
    for value in values:
        text = decode_header("Keywords", str(value)).text
        found |= {part.strip().casefold() for part in text.split(",") if part.strip()}
    return frozenset(found)


def facts_of(cleaned: CleanedComment, received_at: datetime | None) -> EmailFacts:
    sender = cleaned.comment.messages[0].from_
    return EmailFacts(
        received_at=received_at or cleaned.comment.timestamp,
        sender=bare_address(sender).casefold() if sender else "",
        categories=categories_of(cleaned.raw),
        has_attachment=bool(cleaned.comment.attachments),
    )


def matches(rule: SyncFilter, facts: EmailFacts) -> bool:
    if isinstance(rule, FilterGroup):
        if rule.AND is not None:
            return all(matches(child, facts) for child in rule.AND)
        return any(matches(child, facts) for child in rule.OR or [])
    return _term(rule.term, facts)


def _term(term: FilterTerm, facts: EmailFacts) -> bool:
    if term.category is not None:
        return term.category.casefold() in facts.categories
    if term.after is not None:
        return facts.received_at >= day(term.after)
    if term.before is not None:
        return facts.received_at < day(term.before)
    if term.from_ is not None:
        return _from_matches(term.from_.strip().casefold(), facts.sender)
    return term.has == "attachment" and facts.has_attachment


def is_address(value: str) -> bool:
    return "@" in value and not value.startswith("@")


def _from_matches(value: str, sender: str) -> bool:
    if is_address(value):
        return sender == value
    return bool(sender) and (domain_of(sender) or "").casefold() == value.lstrip("@")
