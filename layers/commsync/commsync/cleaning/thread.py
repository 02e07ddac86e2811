"""thread_id: the hex of the thread root's Message-ID, whichever header tells it.

Order (issue 5): the first id of References (RFC 5322 section 3.6.4: it starts at the root),
else In-Reply-To, else Outlook's Thread-Index, else the email's own Message-ID.

Thread-Index (MS-OXOMSG 2.2.1.3, PidTagConversationIndex): 22 bytes for the first email of a
conversation, plus 5 bytes per reply. The first 22 bytes identify the conversation, so an email
whose index is longer than 22 bytes is a reply, and its thread id is derived from those 22 bytes.
An index of exactly 22 bytes is the conversation's root itself: it keeps its own Message-ID,
which is what the replies that do carry References will name.
"""

from __future__ import annotations

from commsync.cleaning.identity import comment_id_for

THREAD_INDEX_ROOT_BYTES = 22


def thread_root(
    message_id: str, references: list[str], in_reply_to: str | None, thread_index: bytes | None
) -> str:
    """The Message-ID (or a stable stand-in) of the conversation's first email."""
    if references:
        return references[0]
    if in_reply_to:
        return in_reply_to
    if thread_index is not None and len(thread_index) > THREAD_INDEX_ROOT_BYTES:
        return f"<{thread_index[:THREAD_INDEX_ROOT_BYTES].hex()}@thread-index>"
    return message_id


def thread_id_for(
    message_id: str, references: list[str], in_reply_to: str | None, thread_index: bytes | None
) -> str:
    return comment_id_for(thread_root(message_id, references, in_reply_to, thread_index))
