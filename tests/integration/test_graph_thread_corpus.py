"""A conversation for the Graph threading tests: a root, replies that name it in References,
In-Reply-To and Thread-Index, one reply in Sent Items, and one threaded by Thread-Index alone.

(Named test_graph_* to stay within the files of issue 10; it holds no tests itself.)
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from tests.integration.test_graph_support import ANN, SENDERS
from tests.support.mail import write_eml

THREAD_ROOT_ID = "<po-4471.1@mail.fabrikam.example>"
# Replies that Outlook threaded by Thread-Index alone: no References, no In-Reply-To.
THREAD_INDEX_ONLY = ("<po-4471.4@mail.example>", "<po-4471.5@mail.example>")
THREAD_INDEX_ROOT = bytes.fromhex("01da6b8f2c40") + bytes.fromhex("6f1c0b9e3d2a4f58a1b7c3d4e5f60718")


def _thread_index(replies: int) -> str:
    # MS-OXOMSG 2.2.1.3: the 22-byte root, plus 5 bytes per reply.
    return base64.b64encode(THREAD_INDEX_ROOT + bytes.fromhex("00a1b2c3d4") * replies).decode()


def _thread_email(
    n: int,
    sender: str,
    to: str,
    headers: dict[str, str],
    scan_bytes: int,
) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = sender, to
    msg["Subject"] = ("RE: " if n else "") + "Purchase order 4471: revised quantities"
    msg["Date"] = format_datetime(datetime(2024, 4, 2, 8, 30, tzinfo=UTC) + timedelta(hours=3 * n))
    msg["Message-ID"] = THREAD_ROOT_ID if n == 0 else f"<po-4471.{n + 1}@mail.example>"
    msg["Thread-Topic"] = "Purchase order 4471: revised quantities"
    for name, value in headers.items():
        msg[name] = value
    msg.set_content(f"Hi,\n\nfor PO 4471 we now need {120 + 10 * n} units of part 7.\n\nThanks\n")
    if scan_bytes:
        scan = b"%PDF-1.7\n" + bytes((n * 31 + i) % 251 for i in range(scan_bytes))
        msg.add_attachment(scan, maintype="application", subtype="pdf", filename=f"po-4471-{n}.pdf")
    return msg.as_bytes()


def write_thread(data: Path, scan_bytes: int = 150_000) -> dict[str, str]:
    """A conversation in Ann's mailbox, each reply with a scan of `scan_bytes`: Carol's order in the
    Inbox, Ann's reply in Sent Items, Carol's answer in the Inbox (References, In-Reply-To and
    Thread-Index each), and two replies from Outlook that carry only Thread-Index, one received
    and one in Sent Items (THREAD_INDEX_ONLY). Returns
    {Message-ID: the Message-ID of its thread's root}, as the MIME path reads the thread."""
    carol = SENDERS[0]
    ann_reply, carol_answer = "<po-4471.2@mail.example>", "<po-4471.3@mail.example>"
    emails = [
        ("Inbox", _thread_email(0, carol, f"Ann Lee <{ANN}>", {"Thread-Index": _thread_index(0)}, 0)),
        (
            "Sent Items",
            _thread_email(
                1,
                f"Ann Lee <{ANN}>",
                carol,
                {
                    "In-Reply-To": THREAD_ROOT_ID,
                    "References": THREAD_ROOT_ID,
                    "Thread-Index": _thread_index(1),
                },
                scan_bytes,
            ),
        ),
        (
            "Inbox",
            _thread_email(
                2,
                carol,
                f"Ann Lee <{ANN}>",
                {
                    "In-Reply-To": ann_reply,
                    "References": f"{THREAD_ROOT_ID} {ann_reply}",
                    "Thread-Index": _thread_index(2),
                },
                scan_bytes,
            ),
        ),
        (
            "Inbox",
            _thread_email(3, SENDERS[1], f"Ann Lee <{ANN}>", {"Thread-Index": _thread_index(1)}, scan_bytes),
        ),
        (
            "Sent Items",
            _thread_email(4, f"Ann Lee <{ANN}>", SENDERS[1], {"Thread-Index": _thread_index(2)}, scan_bytes),
        ),
    ]
    for n, (folder, data_bytes) in enumerate(emails):
        write_eml(data, ANN, folder, f"thread-{n}.eml", data_bytes)
    outlook_root = f"<{THREAD_INDEX_ROOT.hex()}@thread-index>"
    return {
        THREAD_ROOT_ID: THREAD_ROOT_ID,
        ann_reply: THREAD_ROOT_ID,
        carol_answer: THREAD_ROOT_ID,
        **{message_id: outlook_root for message_id in THREAD_INDEX_ONLY},
    }
