"""Comment ids: the hex of the Message-ID, or a content-derived one when there is none."""

from __future__ import annotations

import hashlib


def comment_id_for(message_id: str) -> str:
    """Design section 5: hex of the Internet Message-ID exactly as given, angle brackets included."""
    return "".join(message_id.split()).encode("utf-8").hex()


def synthetic_message_id(*parts: str | bytes) -> str:
    """A stable stand-in Message-ID for mail that has none.

    Derived from the sender, date, subject and body, so a re-sync of the same email (from any
    folder or mailbox) yields the same comment id, while different emails do not collide.
    """
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return f"<{digest.hexdigest()[:40]}@no-message-id.commsync>"
