"""Scenario robustness: broken MIME as real mailers send it, generated from a seed (issue 18).

Each input is a small business email with 0-2 attachments of random bytes, broken one way of
issue 18's class 4: a boundary parameter folded across two header lines (Outlook 2000-2003),
a closing delimiter longer or shorter than declared followed by an epilogue, uuencoded files
inside the text, and an Outlook .msg (OLE compound file) handed over as MIME; plus the
well-formed email as a control. Checks, over every input:
- one comment per input: clean() returns one, and distinct inputs never share an id;
- no raw MIME in the body text: no MIME header lines, no boundary lines, no base64 run longer
  than 200 characters (consecutive base64-looking lines counted together);
- the attachments' bytes are the bytes that were put in (each one, as a multiset of hashes).
Run: `.venv/bin/python -m bench.robustness [--emails N] [--seed S]`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bench.common import Scenario, command_line, finish, parser

MODULE = "bench.robustness"
KINDS = ("control", "folded_boundary", "closing_longer", "closing_shorter", "uuencoded", "outlook_msg")
_WORDS = (
    *("invoice", "pallet", "delivery", "Tuesday", "report", "contract", "signed", "copy", "attached"),
    *("please", "confirm", "order", "shipment", "warehouse", "price", "quote", "meeting", "Friday"),
    *("budget", "draft", "review", "schedule", "customer"),
)
_HEADER_LINE = re.compile(
    r"^(?:content-(?:type|transfer-encoding|disposition)|mime-version)\s*:", re.I | re.M
)
_BASE64_LINE = re.compile(r"^[A-Za-z0-9+/=]{16,}$")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class Case:
    kind: str
    raw: bytes
    boundary: str
    files: list[bytes] = field(default_factory=list)


def generate(seed: int, count: int) -> list[Case]:
    rng = random.Random(seed)
    return [_case(rng, KINDS[n % len(KINDS)], n) for n in range(count)]


def _case(rng: random.Random, kind: str, n: int) -> Case:
    text = _text(rng)
    files = [
        rng.randbytes(rng.randint(50, 6000)) for _ in range(rng.randint(0 if kind == "control" else 1, 2))
    ]
    boundary = f"----=_NextPart_000_{n:04X}_01C3{rng.randrange(16**8):08X}.{rng.randrange(16**8):08X}"
    headers = (
        f"From: Bob Stone <bob{n}@contoso.example>\r\nTo: ann@acme.example\r\nSubject: Order {n}\r\n"
        f"Date: Tue, 05 Mar 2024 10:{n % 60:02d}:00 +0100\r\nMIME-Version: 1.0\r\n"
    ).encode()
    if kind == "outlook_msg":
        blob = _OLE_MAGIC + rng.randbytes(rng.randint(2000, 20000))
        return Case(kind, blob, boundary, [blob])
    if kind == "uuencoded":
        blocks = "".join(_uu_block(f"scan{i}.png", data) for i, data in enumerate(files))
        plain = f"{text}\r\n\r\n{blocks}\r\nBob\r\n".encode()
        return Case(
            kind, headers + b"Content-Type: text/plain; charset=us-ascii\r\n\r\n" + plain, boundary, files
        )
    declared = f'boundary="{boundary}"'
    if kind == "folded_boundary":
        cut = rng.randint(10, len(boundary) - 4)
        declared = f'boundary="{boundary[:cut]}\r\n\t{boundary[cut:]}"'
    closing = f"--{boundary}--"
    if kind == "closing_longer":
        closing = f"--{boundary}{'-' * rng.randint(1, 4)}{rng.choice(['', 'X'])}--"
    elif kind == "closing_shorter":
        closing = f"--{boundary[: -rng.randint(1, 6)]}--"
    epilogue = "" if kind == "control" else "\r\nThis footer was added by the relay after the body.\r\n"
    parts = [f"Content-Type: text/plain; charset=us-ascii\r\n\r\n{text}\r\n"]
    for i, data in enumerate(files):
        encoded = base64.encodebytes(data).decode().replace("\n", "\r\n")
        parts.append(
            f'Content-Type: application/octet-stream; name="file{i}.bin"\r\n'
            "Content-Transfer-Encoding: base64\r\n"
            f'Content-Disposition: attachment; filename="file{i}.bin"\r\n\r\n{encoded}'
        )
    body = "This is a multi-part message in MIME format.\r\n\r\n" + "".join(
        f"--{boundary}\r\n{p}" for p in parts
    )
    mime = f"Content-Type: multipart/mixed;\r\n\t{declared}\r\n\r\n{body}{closing}\r\n{epilogue}".encode()
    return Case(kind, headers + mime, boundary, files)


def _text(rng: random.Random) -> str:
    sentences = [
        " ".join(rng.choice(_WORDS) for _ in range(rng.randint(5, 12))).capitalize() + "." for _ in range(3)
    ]
    return "Hi Ann,\r\n\r\n" + " ".join(sentences)


def _uu_block(name: str, data: bytes) -> str:
    lines = "".join(binascii.b2a_uu(data[i : i + 45]).decode() for i in range(0, len(data), 45))
    return f"begin 644 {name}\r\n{lines.replace(chr(10), chr(13) + chr(10))}`\r\nend\r\n"


def problems(case: Case, body: str, attachments: list[bytes]) -> list[str]:
    """What is wrong with one comment: the issue's three checks on the body and attachments."""
    found = []
    if _HEADER_LINE.search(body):
        found.append("mime_header_in_body")
    if any(line.strip().startswith(f"--{case.boundary[:20]}") for line in body.splitlines()):
        found.append("boundary_in_body")
    if _longest_base64_run(body) > 200:
        found.append("base64_in_body")
    if "\x00" in body or _OLE_MAGIC.decode("latin-1") in body:
        found.append("binary_in_body")
    wanted = Counter(hashlib.sha256(f).hexdigest() for f in case.files)
    got = Counter(hashlib.sha256(a).hexdigest() for a in attachments)
    if wanted - got:
        found.append("attachment_bytes")
    return found


def _longest_base64_run(text: str) -> int:
    longest = run = 0
    for line in text.splitlines():
        run = run + len(line.strip()) if _BASE64_LINE.match(line.strip()) else 0
        longest = max(longest, run)
    return longest


def check(cases: list[Case]) -> Counter[str]:
    from commsync.cleaning.build import Origin, clean

    origin = Origin(
        integration="bench/robustness", kind="eml", bucket="b", mailbox="ann@acme.example", folder="Inbox"
    )
    now = datetime(2024, 6, 1, tzinfo=UTC)
    failures: Counter[str] = Counter()
    ids: set[str] = set()
    for case in cases:
        try:
            cleaned = clean(case.raw, origin, now)
        except Exception:  # the check is that this never happens
            failures["no_comment"] += 1
            continue
        comment = cleaned.comment
        if comment.id in ids:
            failures["shared_id"] += 1
        ids.add(comment.id)
        message = comment.messages[0]
        body = "\n".join([message.body.text, message.signature.text if message.signature else ""])
        failures.update(problems(case, body, [a.data for _, a in cleaned.attachments]))
    return failures


CHECKS = (
    "no_comment",
    "shared_id",
    "mime_header_in_body",
    "boundary_in_body",
    "base64_in_body",
    "binary_in_body",
)


def main() -> None:
    parsed = parser(__doc__.splitlines()[0] if __doc__ else MODULE)
    parsed.add_argument("--emails", type=int, default=600, help="generated broken emails")
    parsed.add_argument("--seed", type=int, default=18)
    args = parsed.parse_args()
    scenario = Scenario(
        "robustness", command_line(MODULE, ["--emails", str(args.emails), "--seed", str(args.seed)])
    )
    cases = generate(args.seed, args.emails)
    failures = check(cases)
    scenario.add("emails", len(cases))
    for kind in KINDS:
        scenario.add(f"{kind}_emails", sum(1 for c in cases if c.kind == kind))
    for name in (*CHECKS, "attachment_bytes"):
        scenario.add(f"{name}_failures", failures[name], "== 0", failures[name] == 0)
    finish(scenario, args.emit)


if __name__ == "__main__":
    main()
