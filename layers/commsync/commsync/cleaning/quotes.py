"""Where the quoted history of a reply or forward starts.

Mail clients mark it in four ways, each recognised here in English, German, French, Spanish,
Dutch, Portuguese, Italian, Swedish/Danish, Polish, Russian, Japanese and Chinese (issue 18):
- an attribution line, possibly wrapped over up to three lines: Gmail/Apple "On <date>, <name>
  wrote:", "Am ... schrieb ...:", "Le ... a écrit :", "2024年3月5日(火) 11:40 Name <addr>:", ...;
- a separator: "-----Original Message-----", "---------- Forwarded message ---------",
  "Begin forwarded message:", and their translations;
- an Outlook header block: "From:" (or "Von:", "De :", ...) followed within a few
  lines by "Sent:"/"Date:"/"To:"/"Subject:" (or translations), optionally in *bold* and after
  an underscore rule;
- ">" quoting (RFC 3676 section 4.5). The text written under or between ">" blocks (a
  bottom-posted or inline reply, issue 18) is new text, in order; the attribution that opens a
  ">" block belongs to the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATTRIBUTION = re.compile(
    r"^(?:"
    r"(?:On|Am|Le|El|Op|Em|Il|Den|W dniu|Dnia)\s.{4,250}"
    r"(?:\bwrote|\bschrieb\b.{0,120}|\bschreef\b.{0,120}|a écrit|escribió|escreveu|ha scritto"
    r"|\bskrev\b.{0,120}|\bskriver\b.{0,120}|napisał\w?.{0,120}|pisze.{0,120})\s?:?"
    r"|.{1,120}\bschrieb am\b.{4,80}:"
    r"|.{1,200}\bwrote on\b.{4,80}:"
    r"|\d{4}年\d{1,2}月\d{1,2}日.{0,120}[:\uff1a]"
    r"|.{1,160}(?:在|于)\s?.{4,80}写道\s?[:\uff1a]"
    r"|.{1,120}さんは書きました\s?[:\uff1a]"
    # Date-first forms, with a time: not prose ("In 2019 the auditor wrote:"), nor the tail of a
    # wrapped attribution ("<bob@example.org> wrote:")
    r"|(?=.*\d:\d\d).{4,200}(?:のメッセージ|のメール)\s?[:\uff1a]"  # Apple Mail and Outlook in Japanese
    r"|(?=.*\d:\d\d).{4,200}(?:написал\(?\u0430?\)?|написала|пишет)\s?:"  # Gmail, Thunderbird in Russian
    r"|(?=.*\d:\d\d).{4,200}napisał(?:\(a\)|a)?\s?:"  # Gmail in Polish: "pon., 4 mar ... napisał(a):"
    r"|(?=.*\d:\d\d).{4,200}(?:schrieb|escribió|escreveu|ha scritto|a écrit|wrote|skrev|schreef)\s?:"
    # Gmail's date-first forms (Russian, Korean, ...): a time, then the writer's <address>, then ":"
    r"|.{0,120}\d{1,2}:\d{2}.{0,120}<[^<>\s]+@[^<>\s]+>\s?[:\uff1a]"
    r"|.{1,120}<[^<>\s]+@[^<>\s]+>\s(?:writes|wrote)\s?:"  # mailing lists: "Name <addr> writes:"
    r")$",
    re.IGNORECASE,
)
# What every _ATTRIBUTION form needs: its opening word, or a colon at the end. Tested first, as
# _ATTRIBUTION backtracks through each long line of prose (~7 us a line; issue 8's 2 ms budget).
_OPENING = re.compile(r"(?:On|Am|Le|El|Op|Em|Il|Den|W dniu|Dnia)\s", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^-{3,}\s?forwarded by .{1,120}-{3,}$"  # Lotus Notes: "----- Forwarded by Name/Org on <date> -----"
    r"|^[-=_\s]*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original"
    r"|oorspronkelijk bericht|mensagem original|messaggio originale|originalmeddelande"
    r"|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado"
    r"|doorgestuurd bericht|mensagem encaminhada|messaggio inoltrato|原始邮件|元のメッセージ"
    r"|転送されたメッセージ|转发的邮件|ursprungligt meddelande|vidarebefordrat meddelande"
    r"|wiadomość oryginalna|oryginalna wiadomość|przekazana wiadomość|исходное сообщение"
    r"|пересылаемое сообщение|переслан\w* сообщение|原始郵件|轉寄的郵件|転送メッセージ)[-=_\s]*$"
    r"|^(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié"
    r"|inicio del mensaje reenviado|begin doorgestuurd bericht|início da mensagem reencaminhada"
    r"|inizio messaggio inoltrato|början på vidarebefordrat meddelande|początek przekazywanej wiadomości"
    r"|начало переадресованного сообщения|転送されたメッセージ|以下是转发的邮件)\s?[:\uff1a]$",
    re.IGNORECASE,
)
_FROM = re.compile(
    # The value may be on the next line (a rendered HTML table).
    r"^\*?(?:from|von|de|van|da|från|fra|od|от|发件人|寄件者|差出人|送信者)\s?\*?\s?[:\uff1a]"
    r"(?:\s?\*?\s?\S|\s*$)",
    re.IGNORECASE,
)
_FIELD = re.compile(
    r"^\*?(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|objet|enviado(?: el)?|enviada|fecha"
    r"|para|asunto|verzonden|aan|onderwerp|data|inviato|a|oggetto|assunto|skickat|till|ämne"
    r"|sendt|til|emne|wysłano|wysłane|do|dw|temat|отправлено|дата|кому|копия|тема"
    r"|发送时间|日期|收件人|抄送|主题|寄件日期|收件者|副本|主旨|時間|送信日時|日付|宛先|件名)\s?\*?\s?[:\uff1a]",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*(?:_{10,}|-{10,})\s*$")
QUOTED = re.compile(r"^\s*>")


@dataclass(frozen=True)
class QuoteSplit:
    # The sender's lines in order: top-posted text, or a bottom-posted or inline reply's answers.
    new: list[str]
    quoted: list[str]


def split_quotes(lines: list[str]) -> QuoteSplit:
    """Issue 18: an attribution right above ">" quoting opens that quote, not the rest of the
    email, so the text a bottom-posted or inline reply writes under the quote stays new text.
    Unquoted history (a separator, an Outlook header block, an attribution over unmarked text)
    still takes everything after it."""
    limit, openers = _history_start(lines)
    head = lines[:limit]
    if not openers and not any(QUOTED.match(line) for line in head):
        return QuoteSplit(head, lines[limit:])
    first_quote = next((i for i, line in enumerate(head) if QUOTED.match(line)), None)
    if first_quote is not None and not openers:
        openers = set(range(_attribution_before(head, first_quote), first_quote))
    new: list[str] = []
    quoted: list[str] = []
    for i, line in enumerate(head):
        if i in openers or QUOTED.match(line) or _wrapped_quote(head, i):
            quoted.append(line)
        elif line.strip() or (new and new[-1].strip()):
            new.append(line)  # one blank line where a quote was taken out, not a run of them
    return QuoteSplit(new, quoted + lines[limit:])


def _history_start(lines: list[str]) -> tuple[int, set[int]]:
    """Where unquoted history starts (len(lines) when nowhere), and the attribution lines that
    only open a ">" quote."""
    openers: set[int] = set()
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        if not text or QUOTED.match(lines[i]):
            i += 1
            continue
        if _SEPARATOR.match(text):
            return i, openers
        size = _attribution_size(lines, i)
        if size and not (i + 1 < len(lines) and _attribution_size(lines, i + 1)):
            # the latest line that starts an attribution: "Am heutigen Tage" is text
            if not _quote_follows(lines, i + size):
                return i, openers
            openers.update(range(i, i + size))
            i += size
            continue
        if _FROM.match(text) and _has_fields(lines, i + 1, 2 if text.endswith((":", "\uff1a")) else 1):
            return _rule_before(lines, i), openers
        i += 1
    return len(lines), openers


def _quote_follows(lines: list[str], at: int) -> bool:
    """The next filled line (within two blank lines) is ">" quoted."""
    for line in lines[at : at + 3]:
        if line.strip():
            return bool(QUOTED.match(line))
    return False


def _wrapped_quote(lines: list[str], i: int) -> bool:
    """A quoted line that a client wrapped without repeating the ">" (a long quoted line above, a
    quoted line, a blank line or the end right under, and a lower-case start): part of the
    quote, not an answer."""
    line = lines[i].strip()
    if not line or not line[0].islower() or i == 0:
        return False
    above = lines[i - 1]
    below = lines[i + 1] if i + 1 < len(lines) else ""
    closes = QUOTED.match(below) or not below.strip()  # a quoted line, or the end of the quote
    return bool(QUOTED.match(above) and closes) and len(above.strip()) >= 60


def _attribution_size(lines: list[str], i: int) -> int:
    """How many lines, from i, form an attribution (up to three, within one paragraph); 0 when
    none. A quoted-printable soft break left in the text ("w=" / "rote:") is joined back."""
    window = ""
    for n, line in enumerate(lines[i : i + 3], start=1):
        text = line.strip()
        if not text or len(window) > 400 or QUOTED.match(line):
            return 0  # a quoted attribution belongs to the quote it is in
        window = window[:-1] + text if window.endswith("=") else f"{window} {text}".strip()
        could_be = window.endswith((":", "\uff1a")) or _OPENING.match(window)
        if could_be and _ATTRIBUTION.match(window):
            return n
    return 0


def _has_fields(lines: list[str], start: int, wanted: int) -> bool:
    """A bare "From:" (its value on the next line, as HTML renders a table) needs two fields."""
    return sum(1 for line in lines[start : start + 8] if _FIELD.match(line.strip())) >= wanted


def _rule_before(lines: list[str], i: int) -> int:
    """Outlook draws a rule above the header block; the rule belongs to the history too."""
    j = i - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    return j if j >= 0 and _RULE.match(lines[j]) else i


def _attribution_before(lines: list[str], first_quote: int) -> int:
    """An attribution our patterns missed still ends with ":" right above the quote."""
    j = first_quote - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j >= 0 and lines[j].rstrip().endswith((":", "\uff1a")) and (first_quote - j) <= 2 and j > 0:
        return j
    return first_quote
