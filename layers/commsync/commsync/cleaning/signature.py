"""The signature at the end of the new text.

What counts as signature (the labelled set in tests/fixtures/separation follows it): everything
after the author's message that is not the message itself: the "-- " block (RFC 3676 section
4.3), a sign-off line ("Best regards,", "Viele Grüße", "Cordialement", "よろしくお願いいたします",
...) together with the name, title, phone and company lines under it, mobile footers ("Sent from
my iPhone", "Von meinem iPhone gesendet"), and trailing legal disclaimers and mailing-list
footers. A sign-off that ends the email with nothing under it stays in the text.
"""

from __future__ import annotations

import re

_DELIMITER = re.compile(r"^--\s?$")
_MOBILE = re.compile(
    # "Sent from my desk" is prose (issue 18): "sent from my" needs a device or app after it.
    r"^(?:sent from my (?:\w+ )?(?:i?phone|ipad|android|samsung|galaxy|blackberry|mobile|smartphone|tablet"
    r"|huawei|pixel|xiaomi|nokia|motorola|oneplus|htc|sony|lg|windows|device|cell|kindle|surface)\b"
    r"|sent from (?:mail for|yahoo|outlook)\b|sent with\b|get outlook for\b|envoyé de mon\b"
    r"|envoyé depuis\b|von meinem\b.{0,40}\bgesendet|gesendet von\b|enviado desde mi\b|enviado do meu\b"
    r"|enviado de meu\b|(?:verzonden|verstuurd) (?:vanaf|met|via) mijn\b|inviato da\b|skickat från\b"
    r"|sendt fra min\b|wysłane z (?:mojego|mojej|i?phone|ipada?|androida?)\b"
    # "Отправлено:" is Outlook's Sent field; the iOS/Android footer has a preposition and a device.
    r"|отправлено \u0441 (?:моего )?(?:i?phone|ipad|android|samsung|galaxy"
    r"|айфона|телефона|смартфона|мобильного)"
    r"|.{0,20}から送信|发自我的|從我的)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:(?:best|kind|warm|warmest|many|with)?\s?(?:regards|wishes)|best|cheers|thanks|thank you"
    r"|thanks (?:again|a lot|so much|all|everyone|team|both)|many thanks|sincerely"
    r"|yours(?: sincerely| truly)?|all the best"
    r"|talk soon|take care|br|rgds|thx|ta"
    r"|(?:viele|liebe|beste|schöne|herzliche|freundliche)?\s?grü(?:ß|ss)e|mit freundlichen grü(?:ß|ss)en"
    r"|gru(?:ß|ss)|lg|mfg|vg"
    r"|danke|vielen dank|beste grüße aus .{1,40}"
    r"|cordialement|bien cordialement|bien à (?:vous|toi)|salutations|amicalement|merci|bonne journée"
    r"|saludos(?: cordiales)?|un saludo|atentamente|gracias|muchas gracias|un abrazo"
    r"|met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|groet(?:en|jes)?|hartelijke groet(?:en)?"
    r"|bedankt|dank je(?: wel)?"
    r"|atenciosamente|abraços|abraço|cumprimentos|obrigad[oa]|att|at\.te"
    r"|cordiali saluti|distinti saluti|saluti|grazie(?: mille)?|un saluto|buona giornata"
    r"|med vänliga hälsningar|vänliga hälsningar|hälsningar|mvh|med venlig hilsen|venlig hilsen"
    r"|z poważaniem|pozdrawiam|z pozdrowieniami|serdecznie pozdrawiam"
    r"|\u0441 уважением|\u0441 наилучшими пожеланиями|всего доброго|всего хорошего|спасибо|заранее спасибо"
    r"|(?:何卒|どうぞ|引き続き)?よろしくお願いいたします|よろしくお願いします|以上、?よろしくお願いいたします|以上です?|宜しくお願い致します"
    r"|此致敬礼|此致|谢谢|祝好|顺祝商祺)"
    r"[\s.!。、]*(?:,\s*(?:[^\W\d_][\w.'-]*(?:\s[^\W\d_][\w.'-]*){0,2})?)?[\s.!]*$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"^[-\u2013—/~]\s?[^\W\d_][\w.'-]*(?:\s[^\W\d_][\w.'-]*){0,3}$")
_DISCLAIMER = re.compile(
    r"confidential|intended (?:solely )?(?:only )?for|intended recipient|privileged|disclaimer|virus"
    r"|mailing list|unsubscribe|listinfo|vertraulich|destinataire|confidencial|riservat",
    re.IGNORECASE,
)
_RULE = re.compile(r"^[-_=*~—\u2013―─━]{5,}$")
_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w.'-]*(?:\s[A-ZÀ-ÖØ-Þ][\w.'-]*){0,2}$")
_BULLET = re.compile(r"^[-*•\u2013]\s")
# A Chinese or Japanese name in kanji: two to four ideographs, or family and given name apart
# ("高橋 健一"). Characters that are grammar or everyday words ("好的", "明天见") are never names.
_CJK_NAME = re.compile(r"^(?:[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,3}[ \u3000][\u4e00-\u9fff]{1,3})$")
_NOT_IN_NAMES = re.compile(r"[的了吗呢吧啊是不好见谢我你他她们在有这那会要来去到说看收发请问]")
# A contact block without a sign-off (issue 18): a name line, then lines a signature carries.
_NAME_LINE = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w.'-]+(?:\s[A-ZÀ-ÖØ-Þ][\w.'-]+){0,3}(?:\s?[|,\u2013]\s?.{1,60})?$")
_CONTACT = re.compile(
    r"\+?\(?\d[\d\s().\-/]{6,}\d|[\w.+-]+@[\w-]+\.[\w.-]+|\bwww\.|https?://"
    r"|\b(?:GmbH|AG|Ltd|LLC|Inc|Corp|S\.?A\.?S?|SARL|S\.?p\.?A|S\.?r\.?l|B\.?V|N\.?V|AB|Oy|A/S|sp\. z o\.o"
    r"|KG|plc|Pty)\b\.?"
    r"|\b(?:manager|director|engineer|buyer|sales|ceo|cto|cfo|coo|head of|officer|consultant|assistant"
    r"|account|partner|founder|president|lead|specialist|analyst|coordinator|leiter\w*|geschäftsführ\w*"
    r"|directeur|directrice|responsable|gerente|jefe|direttore|responsabile|diretor\w*|chef)\b"
    r"|^(?:tel|phone|mobile|mob|fax|cell|t|m|e|p)\s?[.:]",
    re.IGNORECASE,
)
# What only a contact line carries: a company form, a title, or a "tel." / "E:" label.
_CONTACT_LINE = re.compile(
    r"\b(?:GmbH|Ltd|LLC|Inc|Corp|SARL|S\.?p\.?A|B\.?V|sp\. z o\.o|plc)\b"
    r"|\b(?:manager|director|officer|head of)\b"
    r"|^(?:tel|phone|mobile|mob|fax|cell|t|m|e|p|w)\s?[.:]",
    re.IGNORECASE,
)
SHORT_LINE = 72
MAX_SIGNATURE_LINES = 30
MAX_BLOCK_LINES = 6
MAX_CONTACT_LINES = 15


def split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    """(text lines, signature lines); the signature is empty when there is none."""
    text, footer = _trailing_disclaimer(lines)
    text, signature = _signature_block(text)
    return text, signature + footer if signature or footer else []


def _signature_block(lines: list[str]) -> tuple[list[str], list[str]]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    if len(filled) < 2:
        return lines, []
    for i in filled[1:]:
        line = lines[i].strip()
        if _DELIMITER.match(lines[i].rstrip()):
            return lines[:i], lines[i + 1 :]
        if _MOBILE.match(line) and len(line) <= 100:
            return lines[:i], lines[i:]
    for i in filled[1:]:
        if _SIGN_OFF.match(lines[i].strip()) and _signature_like(lines[i + 1 :]):
            return lines[:i], lines[i:]
    for i in filled[1:]:
        block = lines[i + 1 :]
        short = all(len(line.strip()) <= SHORT_LINE for line in block)
        if _RULE.match(lines[i].strip()) and 0 < _filled(block) <= MAX_BLOCK_LINES and short:
            return lines[:i], lines[i:]
    contact = _contact_block(lines, filled)
    if contact is not None:
        return lines[:contact], lines[contact:]
    last = filled[-1]
    previous = lines[filled[-2]].strip()
    if (_DASH_NAME.match(lines[last].strip()) and not _BULLET.match(previous)) or _lone_name(lines, last):
        return lines[:last], lines[last:]
    return lines, []


def _contact_block(lines: list[str], filled: list[int]) -> int | None:
    """Where a trailing contact block starts: a block opened by a name line, every line
    short, at most MAX_CONTACT_LINES, and contact details (phone, address, company, title) in
    at least half of the lines under the name."""
    for i in filled[1:]:
        above = lines[i - 1].strip()
        if above and not above.endswith((".", "!", "?")):
            continue  # a name line opens a paragraph, or follows a finished sentence (HTML <div>s)
        if not _NAME_LINE.match(lines[i].strip()) or _BULLET.match(lines[i]):
            continue
        block = [line.strip() for line in lines[i + 1 :] if line.strip()]
        if not block or len(block) >= MAX_CONTACT_LINES or any(_prose(line) for line in block):
            continue
        signals = sum(1 for line in block if _CONTACT.search(line))
        if signals >= max(1, (len(block) + 1) // 2):
            return i
    return None


def _prose(line: str) -> bool:
    """A line of a sentence, not of a contact block: long, or, holding no contact detail,
    lower-case first or a full sentence ("will call you at +49 30 123456 tomorrow.")."""
    if len(line) > SHORT_LINE:
        return True
    sentence = line[0].islower() or (line.endswith(".") and len(line.split()) >= 6)
    return sentence and len(line.split()) > 2 and not _CONTACT_LINE.search(line)  # not "ann@x.example"


def _filled(lines: list[str]) -> int:
    return sum(1 for line in lines if line.strip())


def _lone_name(lines: list[str], last: int) -> bool:
    """A last paragraph of one to three capitalised words, or a kanji name: the sender's name
    ("Ann", "鈴木"); or such a last line right under a finished sentence, as HTML mail renders
    "<div>Ann</div>"."""
    text = lines[last].strip()
    above = lines[last - 1].strip() if last > 0 else ""
    finished = above.endswith((".", "!", "?", "。", "\uff01", "\uff1f"))
    alone = last > 0 and (not above or (finished and len(text.split()) <= 2))
    cjk_name = bool(_CJK_NAME.match(text)) and not _NOT_IN_NAMES.search(text)
    return alone and (bool(_NAME.match(text)) or cjk_name) and not _SIGN_OFF.match(text)


def _signature_like(after: list[str]) -> bool:
    """Under a sign-off: a first block of short lines (name, title, phone) that is not just more
    sign-offs ("Thank you." / "Best regards"), then anything short of a letter."""
    filled = [line.strip() for line in after if line.strip()]
    if not filled or len(filled) > MAX_SIGNATURE_LINES:
        return False
    if all(_SIGN_OFF.match(line) for line in filled):
        return False
    first_block = _paragraph_lines(after)[:1]
    return all(len(p) <= SHORT_LINE or _DISCLAIMER.search(p) for p in first_block)


def _paragraph_lines(lines: list[str]) -> list[str]:
    """Each paragraph as one string when it is prose (any line long), else line by line."""
    out: list[str] = []
    paragraph: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            paragraph.append(line.strip())
            continue
        if any(len(p) > SHORT_LINE and not _RULE.match(p) for p in paragraph):
            out.append(" ".join(paragraph))
        else:
            out.extend(paragraph)
        paragraph = []
    return out


def _trailing_disclaimer(lines: list[str]) -> tuple[list[str], list[str]]:
    """A legal or mailing-list footer with no sign-off above it."""
    end = len(lines)
    cut = end
    i = end
    while i > 0:
        j = i - 1
        while j >= 0 and lines[j].strip():
            j -= 1
        paragraph = " ".join(line.strip() for line in lines[j + 1 : i])
        if paragraph and not _DISCLAIMER.search(paragraph) and not _RULE_ONLY.match(paragraph):
            break
        cut = j + 1 if paragraph else cut
        i = j
    if cut == end or not any(line.strip() for line in lines[:cut]):
        return lines, []
    return lines[:cut], lines[cut:]


_RULE_ONLY = re.compile(r"^[-_=*\s]+$")
