"""Comment ids: the hex of the Message-ID, or a content-derived one when there is none.

Without a Message-ID (scanners, some ticket systems, drafts), the id is derived from what the
comment shows, which does not change between two copies of the same email in any mailbox or
folder, nor between the two ways a comment is built (issue 18: the raw MIME, or the
properties-and-text stand-in of a large EWS or Graph item, so a change of the large-item
threshold never duplicates an email), and which a different email changes:

    sha256( len-prefixed: "v2", the sender's address (lower case), the sent time (UTC,
            ISO 8601; the Date header as written, whitespace collapsed, when it is not a date),
            the decoded subject (whitespace collapsed), and the first 64 words of the
            decoded body text, new text and history alike (case-folded, punctuation and
            line breaks dropped: a plain part and its HTML rendering give the same words) )

and the comment id is the hex of "<{first 40 hex digits}@no-message-id.commsync>", so such ids
have the same shape as real ones. Headers added in transit (Received, X-*) are left out. The
recipe before issue 18 hashed the raw bytes after the header block: an input with no blank
line (a headerless paragraph) had none, so every such email got one id.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

_WORD = re.compile(r"\w+")
BODY_WORDS = 64


def comment_id_for(message_id: str) -> str:
    """docs/architecture.md#the-comment: hex of the Internet Message-ID exactly as given, angle brackets
    included.

    Whitespace is removed: around the id (header folding) and inside a folded one."""
    return "".join(message_id.split()).encode("utf-8", "surrogateescape").hex()


def synthetic_message_id(*parts: str | bytes) -> str:
    """A stable stand-in Message-ID built from the given parts (see the module's recipe)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return f"<{digest.hexdigest()[:40]}@no-message-id.commsync>"


def body_words(text: str) -> str:
    """The body's share of the recipe: its first BODY_WORDS words, case-folded."""
    words = []
    for match in _WORD.finditer(text):
        words.append(match.group(0).casefold())
        if len(words) == BODY_WORDS:
            break
    return " ".join(words)


def content_message_id(sender: str, sent_at: datetime | None, date: str, subject: str, text: str) -> str:
    when = sent_at.astimezone(UTC).isoformat() if sent_at else " ".join(date.split())
    return synthetic_message_id("v2", sender.lower(), when, " ".join(subject.split()), body_words(text))
