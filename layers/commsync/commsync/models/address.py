"""What a mailbox address may be, per source kind (issue 16).

A mailbox address names a directory of an export (eml), a path segment of the API and part of
every state key, so it is validated as what it is, not merely "no slash": an RFC 5321 mailbox
(`local@domain`, local part a dot-atom, domain a host name) for the mail sources, and a
Salesforce API name (`Case`, `Support_Ticket__c`) for Salesforce. Both rule out `.` and `..`,
control and invisible format characters (U+202E), and the separators `/`, `\\` and `#`.

Addresses are stored lower-case (models/mailbox.py); the patterns take either case, since a path
parameter is checked before it is folded.
"""

from __future__ import annotations

import re

from commsync.models.integration import SourceKind

MAX_LENGTH = 254  # RFC 5321 4.5.3.1.3: a path is at most 256 octets, less its angle brackets
# RFC 5322 atext, less '/' (a path separator for us) and '#' (the separator of our state keys).
_ATEXT = r"[A-Za-z0-9!$%&'*+\-=?^_`{|}~]"
_LOCAL = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
MAIL = rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})*"
# Salesforce API names: a letter, then letters, digits and underscores (custom ones end in __c).
SALESFORCE = r"[A-Za-z][A-Za-z0-9_]{0,79}"
# Either of them: what every stored mailbox address is, whatever its kind.
ANY = rf"^(?:{MAIL}|{SALESFORCE})$"
_MAIL_RE = re.compile(rf"^{MAIL}$")
_SALESFORCE_RE = re.compile(rf"^{SALESFORCE}$")


def address_problem(kind: SourceKind, address: str) -> str | None:
    """Why `address` cannot be a mailbox of a `kind` integration, or None when it can."""
    if kind is SourceKind.SALESFORCE:
        if _SALESFORCE_RE.fullmatch(address):
            return None
        return "must be a Salesforce object API name, e.g. Case or Support_Ticket__c"
    if len(address) <= MAX_LENGTH and _MAIL_RE.fullmatch(address):
        return None
    return "must be an e-mail address (local@domain)"
