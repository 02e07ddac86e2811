"""Broken MIME that real mailers send, put right after parsing (issue 18, class 4).

Both repairs run only when the parser reported the damage, so well-formed mail pays nothing:
- a multipart whose boundary is not found in its body (no parts at all): Outlook 2000-2003 fold
  a long quoted `boundary="----=_NextPart..."` parameter across two header lines, which leaves
  the fold inside the value. The boundary is read again with the fold taken out, or, failing
  that, from the delimiter lines of the body itself (RFC 2046 section 5.1.1: a line "--" +
  boundary that opens the parts, "--" + boundary + "--" that closes them), and the body is
  parsed again with it;
- a closing delimiter that is longer or shorter than the boundary (CloseBoundaryNotFoundDefect):
  the parser keeps the line and the epilogue after it inside the last part, where they would
  show in the body or corrupt the last attachment's bytes. The last part is cut at that line,
  and what follows becomes the multipart's epilogue, which nobody reads;
- a nested multipart that reuses its parent's boundary (Outlook Express for Mac): the parser
  finds no start boundary for the inner one (StartBoundaryNotFoundDefect), gives its parts to
  the parent and reads the parent's real last parts as epilogue, so the plain and HTML copies
  of the text both show and the attachments after them are lost. The inner multipart takes back
  the parts after it, and the epilogue is read again as the parent's further parts.
"""

from __future__ import annotations

import email
import re
from collections import Counter
from email.message import Message

from commsync.cleaning.parts import children

_DELIMITER = re.compile(r"^--(\S[^\r\n]{0,200}?)[ \t]*\r?$", re.MULTILINE)
_LINE_END = re.compile(r"\r?\n")


def repair(message: Message, warnings: list[str]) -> None:
    """Never raises: a repair that fails leaves the parse as it was, with a warning."""
    try:
        _repair(message, warnings, 0)
    except Exception as exc:  # hostile structure; the unrepaired parse is still read
        warnings.append(f"broken MIME structure could not be repaired ({type(exc).__name__})")


def _repair(message: Message, warnings: list[str], depth: int) -> None:
    if depth > 50 or message.get_content_maintype() != "multipart":
        return
    if not message.is_multipart():
        _reparse_parts(message, warnings)
    defects = {type(d).__name__ for d in message.defects}
    if "CloseBoundaryNotFoundDefect" in defects and message.is_multipart():
        _cut_wrong_closing(message, warnings)
    if message.is_multipart():
        _adopt_reused_boundary(message, warnings)
    for child in children(message):
        _repair(child, warnings, depth + 1)


def _reparse_parts(message: Message, warnings: list[str]) -> None:
    payload = message.get_payload()
    if not isinstance(payload, str) or not payload.strip():
        return
    declared = message.get_param("boundary")
    boundary = _boundary_in(payload, "".join(str(declared).split()) if isinstance(declared, str) else "")
    if boundary is None:
        return
    data = payload.encode("ascii", "surrogateescape")
    head = f'Content-Type: {message.get_content_type()}; boundary="{boundary}"\r\n\r\n'.encode()
    reparsed = email.message_from_bytes(head + data)
    if not reparsed.is_multipart():
        return
    message.set_payload(reparsed.get_payload())
    message.preamble, message.epilogue = reparsed.preamble, reparsed.epilogue
    message.set_param("boundary", boundary)
    warnings.append(
        f"the multipart boundary {str(declared)[:80]!r} is not the one its parts use; "
        f"they were read with {boundary!r}"
    )


def _boundary_in(payload: str, unfolded: str) -> str | None:
    """The declared boundary without its fold when the body uses it, else the delimiter that
    the body's lines use most, when it also closes them."""
    if unfolded and re.search(rf"^--{re.escape(unfolded)}[ \t]*\r?$", payload, re.MULTILINE):
        return unfolded
    counts = Counter(match.group(1) for match in _DELIMITER.finditer(payload))
    for candidate, _ in counts.most_common(3):
        opening = candidate.removesuffix("--")
        if opening != candidate:
            continue
        if re.search(rf"^--{re.escape(opening)}--", payload, re.MULTILINE):
            return opening
    return None


def _cut_wrong_closing(message: Message, warnings: list[str]) -> None:
    boundary = message.get_boundary()
    kids = children(message)
    if not boundary or not kids:
        return
    last = kids[-1]
    while last.is_multipart() and children(last):
        last = children(last)[-1]
    payload = last.get_payload()
    if not isinstance(payload, str):
        return
    at = _near_delimiter(payload, boundary)
    if at is None:
        return
    kept, rest = payload[:at], payload[at:]
    last.set_payload(_LINE_END.sub("\r\n", kept).rstrip("\r\n") + "\r\n")
    message.epilogue = rest.split("\n", 1)[1] if "\n" in rest else ""
    warnings.append(
        "the closing MIME boundary does not match the declared one; the text after it was left out"
    )


def _near_delimiter(payload: str, boundary: str) -> int | None:
    """Where a line that is the boundary with a few characters more or fewer starts."""
    least = max(6, len(boundary) * 2 // 3)
    for match in _DELIMITER.finditer(payload):
        core = match.group(0)[2:].rstrip().rstrip("-")
        if core.startswith(boundary) or (len(core) >= least and boundary.startswith(core)):
            return match.start()
    return None


def _adopt_reused_boundary(parent: Message, warnings: list[str]) -> None:
    boundary = parent.get_boundary()
    kids = children(parent)
    for i, kid in enumerate(kids):
        reused = kid.get_content_maintype() == "multipart" and not kid.is_multipart()
        lost = any(type(d).__name__ == "StartBoundaryNotFoundDefect" for d in kid.defects)
        if reused and lost and boundary and kid.get_boundary() == boundary and kids[i + 1 :]:
            kid.set_payload([*kids[i + 1 :]])
            parent.set_payload([*kids[: i + 1], *_parts_in(parent.epilogue or "", boundary)])
            parent.epilogue = ""
            warnings.append(
                f"a nested {kid.get_content_type()} reuses its parent's boundary {boundary[:80]!r}; "
                "its parts were given back to it"
            )
            return


def _parts_in(epilogue: str, boundary: str) -> list[Message]:
    """The parts an epilogue holds when it still carries the parent's delimiter lines."""
    if not re.search(rf"^--{re.escape(boundary)}[ \t]*\r?$", epilogue, re.MULTILINE):
        return []
    head = f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode()
    reparsed = email.message_from_bytes(head + epilogue.encode("ascii", "surrogateescape"))
    return children(reparsed) if reparsed.is_multipart() else []
