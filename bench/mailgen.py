"""A deterministic mailbox of realistic emails, built with the standard library's email package.

What "realistic" means here (issue 8: 20 KB median, 5% with attachments): a chain of Received
headers and a DKIM signature as delivered mail carries, a text/plain + text/html alternative,
replies that quote their parent, several charsets and transfer encodings, threads across Inbox,
Sent Items and an archive folder, and sizes drawn from a log-normal around the median (mail
sizes are heavy-tailed). The same seed gives the same bytes on every run.
"""

from __future__ import annotations

import html
import random
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import encoders, policy
from email.charset import BASE64, QP, Charset
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr
from pathlib import Path

MAILBOX = "ann.lee@contoso.example"
FOLDERS = (("Inbox", 0.55), ("Sent Items", 0.25), ("Archive/2023", 0.12), ("Inbox/Projects", 0.08))
MEDIAN_BYTES = 20_000
ATTACHMENT_SHARE = 0.05
# compat32 (fast to build; the modern API took longer than the benchmarks it feeds), CRLF line ends
# as EWS MimeContent carries them.
_POLICY = policy.compat32.clone(linesep="\r\n", max_line_length=None)

_PEOPLE = [
    ("Ann Lee", MAILBOX),
    ("Bob Stone", "bob.stone@contoso.example"),
    ("Chloé Martin", "chloe.martin@fabrikam.example"),
    ("Jürgen Weiß", "juergen.weiss@northwind.example"),
    ("田中 美咲", "misaki.tanaka@adatum.example"),
    ("Иван Петров", "ivan.petrov@tailspin.example"),
    ("Priya Nair", "priya.nair@woodgrove.example"),
    ("Support", "support@litware.example"),
]
# (charset, vocabulary, share): each language's text in the charset its clients commonly send.
_LANGUAGES = [
    ("utf-8", "the order shipment invoice meeting schedule budget review contract delivery team", 0.55),
    ("iso-8859-1", "la commande facture réunion livraison équipe budget contrat prévue été", 0.15),
    ("windows-1252", "die Bestellung Rechnung Besprechung Lieferung Größe Prüfung Vertrag", 0.12),
    ("iso-2022-jp", "注文 請求書 会議 納品 予算 契約 確認 担当 予定 資料", 0.08),
    ("koi8-r", "заказ счёт встреча поставка бюджет договор команда проверка", 0.05),
    ("utf-8", "订单 发票 会议 交付 预算 合同 团队 审核 安排", 0.05),
]
_ATTACHMENTS = [
    ("application", "pdf", "report-{n}.pdf"),
    ("image", "png", "scan-{n}.png"),
    ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet", "figures-{n}.xlsx"),
]


@dataclass(frozen=True)
class Corpus:
    root: Path
    mailbox: str
    count: int
    median_bytes: float
    with_attachments: int
    total_bytes: int


def write_mailbox(root: Path, count: int, seed: int = 8) -> Corpus:
    """Write `count` emails to `root/<mailbox>/<Folder>/<n>.eml`; returns what was written."""
    rng = random.Random(seed)
    sizes: list[int] = []
    attached = 0
    sent: list[tuple[str, str, str]] = []  # (message id, subject, text) of earlier mail, for replies
    start = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)
    for n in range(count):
        when = start + timedelta(minutes=37 * n + rng.randrange(30))
        with_attachment = rng.random() < ATTACHMENT_SHARE
        raw, message_id, subject, text = _email(rng, n, when, sent, with_attachment)
        folder = rng.choices([f for f, _ in FOLDERS], weights=[w for _, w in FOLDERS])[0]
        path = root / MAILBOX / folder / f"{n:06d}.eml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        sizes.append(len(raw))
        attached += with_attachment
        sent.append((message_id, subject, text))
        del sent[:-200]  # replies go to recent mail
    return Corpus(root, MAILBOX, count, statistics.median(sizes) if sizes else 0, attached, sum(sizes))


def email_of_size(n: int, target_bytes: int, seed: int = 8) -> bytes:
    """One standalone email of about `target_bytes` (for the cleaning and idle-poll benchmarks)."""
    when = datetime(2024, 5, 6, 9, 0, tzinfo=UTC) + timedelta(minutes=n)
    first = _email(random.Random(seed * 1_000_003 + n), n, when, [], False, target_bytes)[0]
    # Encodings and markup make the size hard to aim at in one go: aim again, corrected.
    corrected = max(2_500, target_bytes * target_bytes // max(len(first), 1))
    return _email(random.Random(seed * 1_000_003 + n), n, when, [], False, corrected)[0]


def _email(
    rng: random.Random,
    n: int,
    when: datetime,
    earlier: list[tuple[str, str, str]],
    with_attachment: bool,
    target: int | None = None,
) -> tuple[bytes, str, str, str]:
    charset, vocabulary, _ = rng.choices(_LANGUAGES, weights=[w for *_, w in _LANGUAGES])[0]
    words = vocabulary.split(" ")
    sender, recipient = rng.sample(_PEOPLE, 2)
    parent = rng.choice(earlier) if earlier and rng.random() < 0.6 else None
    subject = f"Re: {parent[1].removeprefix('Re: ')}" if parent else _sentence(rng, words, 5).rstrip(".")
    # Log-normal sizes around the median; headers, the HTML twin and the encodings take about half.
    size = target or int(min(max(rng.lognormvariate(0, 0.6) * MEDIAN_BYTES, 2_500), 400_000))
    new_text = _paragraphs(rng, words, max(200, (size - 3_000) * 23 // 100))
    text = f"Hello {recipient[0].split()[0]},\n\n{new_text}\n\n{sender[0]}\n"
    if parent:
        text += "\n" + "\n".join("> " + line for line in parent[2][:3_000].splitlines())
    if not _encodable(text, charset):
        charset = "utf-8"  # a quoted parent or a name in another script: clients fall back to UTF-8
    # Explicit boundaries: the email package draws them from the global random generator.
    body = MIMEMultipart("alternative", boundary=f"----=_Part_{n}_{rng.getrandbits(40):010x}.alt")
    body.attach(_text_part(text, "plain", _charset(charset, rng)))
    body.attach(_text_part(_html(text), "html", _charset("utf-8", rng)))
    msg: Message = body
    if with_attachment:
        msg = MIMEMultipart("mixed", boundary=f"----=_Part_{n}_{rng.getrandbits(40):010x}.mixed")
        msg.attach(body)
        maintype, subtype, name = rng.choice(_ATTACHMENTS)
        part = MIMEBase(maintype, subtype)
        part.set_payload(rng.randbytes(int(min(rng.lognormvariate(0, 1.0) * 120_000, 3_000_000))))
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=name.format(n=n))
        msg.attach(part)
    message_id = f"<{n:06d}.{rng.getrandbits(40):010x}@{sender[1].split('@')[1]}>"
    _headers(msg, rng, sender, recipient, subject, when, message_id, parent)
    return msg.as_bytes(policy=_POLICY), message_id, subject, text


def _headers(
    msg: Message,
    rng: random.Random,
    sender: tuple[str, str],
    recipient: tuple[str, str],
    subject: str,
    when: datetime,
    message_id: str,
    parent: tuple[str, str, str] | None,
) -> None:
    # compat32 headers keep their order: Received and DKIM first, as a delivered message has them.
    for hop in range(rng.randint(3, 7)):
        stamp = format_datetime(when - timedelta(seconds=hop * 2))
        msg["Received"] = (
            f"from mx{hop}.relay.example (mx{hop}.relay.example [192.0.2.{10 + hop}])\r\n\tby "
            f"mail{hop}.contoso.example with ESMTPS id {rng.getrandbits(48):012x};\r\n\t{stamp}"
        )
    msg["DKIM-Signature"] = (
        f"v=1; a=rsa-sha256; c=relaxed/relaxed; d={sender[1].split('@')[1]}; s=sel1;\r\n\t"
        f"h=from:to:subject:date:message-id; bh={rng.randbytes(32).hex()};\r\n\tb={rng.randbytes(96).hex()}"
    )
    msg["From"] = formataddr(sender, "utf-8")
    msg["To"] = formataddr(recipient, "utf-8")
    if rng.random() < 0.3:
        msg["Cc"] = ", ".join(formataddr(person, "utf-8") for person in rng.sample(_PEOPLE, 2))
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode()
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id
    if parent:
        msg["In-Reply-To"] = parent[0]
        msg["References"] = parent[0]
    msg["X-Mailer"] = rng.choice(["Microsoft Outlook 16.0", "Apple Mail (2.3731)", "Thunderbird 115.4"])


def _text_part(text: str, subtype: str, charset: Charset) -> MIMENonMultipart:
    # MIMEText does the same, but its signature only admits a charset's name.
    part = MIMENonMultipart("text", subtype)
    part.set_payload(text, charset)
    return part


def _charset(name: str, rng: random.Random) -> Charset:
    charset = Charset(name)
    if name != "iso-2022-jp":  # ISO-2022-JP is 7-bit by design (RFC 1468); the others vary
        # None: the text as it is, declared 8bit (email.charset's convention).
        charset.body_encoding = rng.choice([QP, BASE64, None])  # type: ignore[assignment]
    return charset


def _encodable(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


def _sentence(rng: random.Random, words: list[str], length: int) -> str:
    chosen = [rng.choice(words) for _ in range(length)]
    return " ".join(chosen).capitalize() + "."


def _paragraphs(rng: random.Random, words: list[str], characters: int) -> str:
    # Drawn in bulk: per-word calls made generation slower than the benchmarks it feeds.
    average = sum(map(len, words)) / len(words) + 1
    chosen = rng.choices(words, k=int(characters / average) + 1)
    paragraphs = []
    for start in range(0, len(chosen), 60):
        sentences = [chosen[i : i + 12] for i in range(start, min(start + 60, len(chosen)), 12)]
        paragraphs.append(" ".join(" ".join(s).capitalize() + "." for s in sentences))
    return "\n\n".join(paragraphs)


def _html(text: str) -> str:
    paragraphs = "".join(
        f'<p style="margin:0 0 12px 0;font-family:Calibri,Arial,sans-serif;font-size:11pt">'
        f"{html.escape(block).replace(chr(10), '<br>')}</p>"
        for block in text.split("\n\n")
    )
    return f"<html><head><meta charset='utf-8'></head><body>{paragraphs}</body></html>"
