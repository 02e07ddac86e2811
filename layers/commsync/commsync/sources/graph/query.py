"""A sync filter pushed down to Graph's `$filter` on messages, where Graph evaluates it the same way.

Pushed: `category` -> `categories/any(c:c eq 'X')`, `after` -> `receivedDateTime ge D`, `before`
-> `receivedDateTime lt D`, `from` with a full address -> `from/emailAddress/address eq 'a'`.
Not pushed: `from` with a domain (Graph has no reliable suffix match on addresses) and
`has: attachment` (Graph's hasAttachments ignores inline parts and is not computed from the MIME
as the comment's attachment list is, so it could drop an email the definition selects).
An AND pushes the parts it can (the result is a superset); an OR only when every branch can.
The poller evaluates the whole filter locally on what comes back (commsync.filters), so pushing
down only ever saves fetches, never changes the result.
"""

from __future__ import annotations

from commsync.filters.evaluate import day, is_address
from commsync.models.filters import FilterGroup, FilterTerm, SyncFilter


def odata_filter(rule: SyncFilter) -> str | None:
    """The $filter that selects a superset of what `rule` selects, or None when nothing can be pushed."""
    if isinstance(rule, FilterGroup):
        if rule.AND is not None:
            parts = [p for p in (odata_filter(child) for child in rule.AND) if p]
            return _join(parts, "and") if parts else None
        branches = [odata_filter(child) for child in rule.OR or []]
        if not branches or any(b is None for b in branches):
            return None
        return _join([b for b in branches if b], "or")
    return _term(rule.term)


def _join(parts: list[str], operator: str) -> str:
    return parts[0] if len(parts) == 1 else f" {operator} ".join(f"({p})" for p in parts)


def _term(term: FilterTerm) -> str | None:
    if term.category is not None:
        return f"categories/any(c:c eq {_quoted(term.category)})"
    if term.after is not None:
        return f"receivedDateTime ge {day(term.after).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    if term.before is not None:
        return f"receivedDateTime lt {day(term.before).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    if term.from_ is not None and is_address(term.from_.strip()):
        return f"from/emailAddress/address eq {_quoted(term.from_.strip())}"
    return None


def _quoted(value: str) -> str:
    # OData string literal: single quotes, a quote inside doubled.
    return "'" + value.replace("'", "''") + "'"
