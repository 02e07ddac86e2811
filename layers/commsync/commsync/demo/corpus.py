"""The sample export's people, emails, bodies and attachments: data for demo/export.py.

Three mailboxes of a fictional firm, Northwind Traders, and their correspondents. Each email is
chosen for something a comment pipeline meets in real mailboxes (see the comments on MAILS).
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    name: str
    address: str
    client: str  # how this person's mail program quotes and prefixes: outlook, outlook_de, gmail, fr, ja
    signature: str = ""

    @property
    def display(self) -> str:
        return f"{self.name} <{self.address}>"


@dataclass(frozen=True)
class Mail:
    key: str  # the file name, and the left part of the Message-ID
    sender: str  # keys of PEOPLE; `to` and `cc` hold several, space separated
    to: str
    date: str
    places: tuple[str, ...]  # "<mailbox owner>/<folder>": the same bytes are written to each
    subject: str = ""  # replies and forwards derive theirs from the parent's
    cc: str = ""
    parent: str = ""
    relation: str = "reply"  # or "forward" (quoted inline) or "attach" (the original as message/rfc822)
    kind: str = "plain"  # plain text (Outlook adds HTML), "html" (text/html only), "invite" (+ text/calendar)
    attach: tuple[str, ...] = ()
    charset: str = "utf-8"
    signed: bool = True
    has_message_id: bool = True
    raw: tuple[tuple[str, str], ...] = ()  # headers written verbatim, as broken or old mailers send them


def _pdf(title: str) -> bytes:
    """A one-page PDF showing `title` (ASCII, no parentheses), with a correct xref table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png(red: int, green: int, blue: int) -> bytes:
    """A 1x1 RGB PNG. The pixel goes in a stored deflate block, so no zlib version can change the bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = bytes([0, red, green, blue])  # filter type 0, then the pixel
    stored = b"\x78\x01\x01" + struct.pack("<HH", len(row), len(row) ^ 0xFFFF) + row
    idat = stored + struct.pack(">I", zlib.adler32(row))
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _sections(blob: str) -> dict[str, str]:
    parts = re.split(r"^@@ (\S+)\n", blob, flags=re.MULTILINE)[1:]
    return {key: body.strip("\n") for key, body in zip(parts[::2], parts[1::2], strict=True)}


# fmt: off
PEOPLE = {
    "ann": Person("Ann Lee", "ann.lee@northwind.example", "outlook",
                  "-- \nAnn Lee\nSenior Account Manager | Northwind Traders\n"
                  "+1 (206) 555-0142 | northwind.example"),
    "ravi": Person("Ravi Patel", "ravi.patel@northwind.example", "gmail",
                   "-- \nRavi Patel\nProject Lead, Warehouse Operations | Northwind Traders\n"
                   "Mobile +1 (206) 555-0178"),
    "support": Person("Northwind Support", "support@northwind.example", "gmail",
                      "-- \nMaya Fischer, Customer Support\nNorthwind Traders | https://help.northwind.example"),
    "olivia": Person("Olivia Brown", "olivia.brown@fabrikam.example", "gmail",
                     "Olivia Brown\nPurchasing Coordinator | Fabrikam, Inc.\n+1 (312) 555-0119"),
    "marie": Person("Marie Dubois", "marie.dubois@lumiere.example", "fr",
                    "Cordialement,\n\nMarie Dubois\nResponsable des achats, Lumière & Fils\n"
                    "14 rue de la Verrerie, 75004 Paris\nTél. : +33 1 55 55 01 23"),
    "klaus": Person("Klaus Müller", "k.mueller@alpenwerk.example", "outlook_de",
                    "Mit freundlichen Grüßen\n\nKlaus Müller\nLeiter Logistik\n"
                    "Alpenwerk GmbH | Industriestraße 12 | 80331 München\nTel. +49 89 5550 1420"),
    "kenji": Person("田中 健二", "k.tanaka@sakura-trading.example", "ja",
                    "--\n田中 健二 (Kenji Tanaka)\n株式会社さくらトレーディング 購買部\nTEL 03-5555-0199"),
    "james": Person("James Wright", "j.wright@contoso.example", "outlook",
                    "James Wright\nHead of Procurement | Contoso Ltd.\n+44 20 7946 0321"),
    "portal": Person("Fabrikam Supplier Portal", "noreply@portal.fabrikam.example", "system"),
    "helpdesk": Person("Northwind Helpdesk", "helpdesk@northwind.example", "system"),
    "scanner": Person("NW-MFP-3F", "scanner@northwind.example", "system"),
    "dispatch": Person("Harbor Logistics Dispatch", "dispatch@harborlogistics.example", "system"),
    "erp": Person("Alpenwerk Wareneingang", "wareneingang@alpenwerk.example", "system"),
}

# Parents come before their replies: a reply quotes the text its parent was built with.
MAILS = (
    # A support ticket with a photo, replies quoted "On ... wrote:", closed with the account manager in Cc
    # (so the last message sits in two mailboxes).
    Mail("fabrikam-damaged", "olivia", "support", "2024-03-04 08:47 -0500", ("support/Inbox",),
         subject="Order FAB-1042 arrived damaged", attach=("damaged_carton.png",), signed=False),
    Mail("fabrikam-damaged-re1", "support", "olivia", "2024-03-04 07:12 -0800", ("support/Sent Items",),
         parent="fabrikam-damaged"),
    Mail("fabrikam-damaged-re2", "olivia", "support", "2024-03-07 13:30 -0500", ("support/Inbox",),
         parent="fabrikam-damaged-re1"),
    Mail("fabrikam-damaged-re3", "support", "olivia", "2024-03-07 11:02 -0800",
         ("support/Sent Items", "ann/Inbox"), cc="ann", parent="fabrikam-damaged-re2"),
    # An invoice (plain + HTML, PDF), a French reply, a corrected invoice quoted Outlook-style.
    Mail("lumiere-invoice", "ann", "marie", "2024-03-01 10:00 -0800", ("ann/Sent Items",),
         subject="Invoice INV-2024-0042: Lumière & Fils, February deliveries",
         attach=("INV-2024-0042.pdf",)),
    Mail("lumiere-invoice-re1", "marie", "ann", "2024-03-04 11:20 +0100", ("ann/Inbox",),
         parent="lumiere-invoice"),
    Mail("lumiere-invoice-re2", "ann", "marie", "2024-03-04 09:45 -0800", ("ann/Sent Items",),
         parent="lumiere-invoice-re1", attach=("INV-2024-0042-R1.pdf",)),
    Mail("lumiere-invoice-re3", "marie", "ann", "2024-03-04 19:02 +0100", ("ann/Inbox",),
         parent="lumiere-invoice-re2"),
    # Project planning in German and English; copies in both project members' mailboxes.
    Mail("alpenwerk-phase2", "klaus", "ann", "2024-03-05 09:15 +0100", ("ann/Inbox/Projects", "ravi/Inbox"),
         subject="Projekt Lagerumstellung Phase 2: Zeitplan für Halle 3 und Ansprechpartner", cc="ravi"),
    Mail("alpenwerk-phase2-re1", "ann", "klaus", "2024-03-05 08:30 -0800",
         ("ann/Sent Items", "ravi/Inbox/Projects"), cc="ravi", parent="alpenwerk-phase2"),
    Mail("alpenwerk-phase2-re2", "klaus", "ann", "2024-03-06 10:40 +0100",
         ("ann/Inbox/Projects", "ravi/Inbox/Projects"), cc="ravi", parent="alpenwerk-phase2-re1"),
    Mail("alpenwerk-schedule", "ravi", "ann", "2024-03-08 16:20 -0800",
         ("ravi/Sent Items", "ann/Inbox/Projects"),
         subject="Alpenwerk phase 2: draft installation schedule",
         attach=("alpenwerk_phase2_schedule.csv", "gantt_preview.png")),
    Mail("alpenwerk-kickoff", "ravi", "ann klaus", "2024-03-08 16:45 -0800",
         ("ravi/Sent Items", "ann/Inbox"),
         subject="Invitation: Alpenwerk phase 2 kick-off, Tue 12 Mar 2024 08:00 PDT", kind="invite",
         signed=False),
    # A legacy ERP notice: ISO-8859-1 body sent 8bit, subject as an ISO-8859-1 encoded word; then forwarded.
    Mail("alpenwerk-ramp-hours", "erp", "ann", "2024-03-06 06:05 +0100", ("ann/Inbox",),
         subject="Avis: Anlieferung nächste Woche", charset="iso-8859-1",
         raw=(("Subject", "=?ISO-8859-1?Q?Avis:_Anlieferung_n=E4chste_Woche?="),)),
    Mail("alpenwerk-ramp-hours-fw", "ann", "ravi", "2024-03-06 08:12 -0800",
         ("ann/Sent Items", "ravi/Inbox"),
         parent="alpenwerk-ramp-hours", relation="forward"),
    # Japanese: subject, body, display name and attachment name; replies quoted the Japanese way.
    Mail("sakura-lead-time", "kenji", "support", "2024-03-05 10:12 +0900", ("support/Inbox",),
         subject="注文番号 SO-5531 の納期について"),
    Mail("sakura-lead-time-re1", "support", "kenji", "2024-03-04 18:40 -0800", ("support/Sent Items",),
         parent="sakura-lead-time", attach=("見積書_SO-5531.pdf",)),
    Mail("sakura-lead-time-re2", "kenji", "support", "2024-03-05 13:05 +0900", ("support/Inbox",),
         parent="sakura-lead-time-re1"),
    # Internal mail: the same bytes in the sender's Sent Items and the recipient's Inbox.
    Mail("alpenwerk-priority", "ann", "support", "2024-03-05 09:05 -0800",
         ("ann/Sent Items", "support/Inbox"),
         subject="Alpenwerk: please prioritise their tickets until 30 April"),
    Mail("alpenwerk-priority-re1", "support", "ann", "2024-03-05 09:31 -0800",
         ("support/Sent Items", "ann/Inbox"), parent="alpenwerk-priority"),
    # Forward as attachment: the original travels as message/rfc822 with its own headers.
    Mail("contoso-late-delivery", "james", "ravi", "2024-03-06 09:10 +0000", ("ravi/Inbox",),
         subject="Late delivery, PO 7781-C"),
    Mail("contoso-late-delivery-fw", "ravi", "support", "2024-03-06 07:25 -0800",
         ("ravi/Sent Items", "support/Inbox"), parent="contoso-late-delivery", relation="attach"),
    # HTML only: paragraphs, a table, a list and a link, no plain-text alternative.
    Mail("fabrikam-scorecard", "portal", "ann", "2024-03-02 06:00 -0600", ("ann/Inbox",),
         subject="Your supplier scorecard for February 2024", kind="html"),
    Mail("helpdesk-weekly", "helpdesk", "support", "2024-03-04 06:00 -0800", ("support/Archive",),
         subject="Weekly ticket summary: week 9 (26 Feb to 3 Mar 2024)", kind="html"),
    # Devices and gateways that break the rules: no Message-ID; a Date in ISO 8601 instead of RFC 5322.
    Mail("scan-to-mail", "scanner", "ann", "2024-03-05 10:15 -0800", ("ann/Inbox",),
         subject="Scanned document from NW-MFP-3F", attach=("scan_20240305_101544.pdf",),
         has_message_id=False),
    Mail("harbor-pickup", "dispatch", "ann", "2024-03-05 14:20 +0100", ("ann/Inbox",),
         subject="Pickup confirmed: PU-77120 (Alpenwerk, Munich)",
         raw=(("Date", "2024-03-05T14:20:00+01:00"),)),
    # Older mail: a signed contract and an RFC 2231 file name with an umlaut and a space.
    Mail("contoso-renewal", "james", "ann", "2024-01-15 14:05 +0000", ("ann/Archive",),
         subject="Contract renewal 2024: signed master supply agreement",
         attach=("Contoso_Northwind_MSA_2024_signed.pdf",)),
    Mail("contoso-renewal-re1", "ann", "james", "2024-01-16 08:50 -0800", ("ann/Archive",),
         parent="contoso-renewal"),
    Mail("alpenwerk-floor-plan", "klaus", "ann", "2024-02-20 15:30 +0100", ("ann/Archive",),
         subject="Hallenplan Halle 3 (Stand Februar 2024)", attach=("Hallenplan_Halle 3_Übersicht.pdf",)),
)
# fmt: on

_SCHEDULE_CSV = """task,crew,start,end,location,notes
Deliver racks batch 1,Harbor Logistics,2024-04-12,2024-04-12,Rampe 2,14:00-17:00
Install rows A-F,Crew A,2024-04-15,2024-04-19,Halle 3,
Install rows G-L,Crew B,2024-04-16,2024-04-22,Halle 3,starts one day after crew A
Safety inspection,Klaus Müller,2024-04-23,2024-04-23,Halle 3,with the Alpenwerk facility team
Handover,Ann Lee,2024-04-24,2024-04-24,Halle 3,
"""

ATTACHMENTS = {
    "damaged_carton.png": ("image/png", _png(150, 111, 51)),
    "gantt_preview.png": ("image/png", _png(46, 117, 182)),
    "alpenwerk_phase2_schedule.csv": ("text/csv", _SCHEDULE_CSV.encode()),
    "INV-2024-0042.pdf": ("application/pdf", _pdf("Northwind Traders - Invoice INV-2024-0042")),
    "INV-2024-0042-R1.pdf": ("application/pdf", _pdf("Northwind Traders - Invoice INV-2024-0042-R1")),
    "見積書_SO-5531.pdf": ("application/pdf", _pdf("Northwind Traders - Quotation SO-5531")),
    "scan_20240305_101544.pdf": ("application/pdf", _pdf("Scan NW-MFP-3F 2024-03-05 10:15")),
    "Contoso_Northwind_MSA_2024_signed.pdf": ("application/pdf", _pdf("Master Supply Agreement 2024")),
    "Hallenplan_Halle 3_Übersicht.pdf": ("application/pdf", _pdf("Alpenwerk GmbH - Hallenplan Halle 3")),
}

# RFC 5545 section 3.1: content lines longer than 75 octets are folded with a leading space.
INVITE_ICS = """BEGIN:VCALENDAR
PRODID:-//Northwind Traders//Calendar 2024//EN
VERSION:2.0
METHOD:REQUEST
BEGIN:VEVENT
UID:alpenwerk-kickoff-20240312@northwind.example
DTSTAMP:20240309T004500Z
DTSTART:20240312T150000Z
DTEND:20240312T160000Z
SUMMARY:Alpenwerk phase 2 kick-off
LOCATION:https://meet.northwind.example/alpenwerk-kickoff
ORGANIZER;CN=Ravi Patel:mailto:ravi.patel@northwind.example
ATTENDEE;CN=Ann Lee;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;
 RSVP=TRUE:mailto:ann.lee@northwind.example
ATTENDEE;CN=Klaus Müller;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;
 RSVP=TRUE:mailto:k.mueller@alpenwerk.example
END:VEVENT
END:VCALENDAR
"""

# The new text of each message, by key; signatures and quoted history are added by _build.
BODIES = _sections("""
@@ fabrikam-damaged
Hello Northwind team,

Our order FAB-1042 (12 steel shelving units, delivery note DN-88213) arrived
this morning. Two cartons were crushed and one shelf frame is bent beyond
use, see the photo.

Can you send replacements before Friday? We install the racks over the
weekend.

Sent from my iPhone
@@ fabrikam-damaged-re1
Hi Olivia,

I am sorry the shipment arrived in that state, and thank you for the photo.
I have opened ticket #4471 and booked two replacement units (item NW-SH-120)
on express freight. They leave our Reno warehouse today and should reach you
on Thursday, 7 March.

Please keep the damaged cartons for the carrier's inspection; there is no
need to send them back.
@@ fabrikam-damaged-re2
Hi Maya,

The replacements arrived this morning, thanks for the quick turnaround. The
carrier collected the damaged cartons yesterday.

One question: will the freight credit appear on our March invoice or as a
separate credit note?
@@ fabrikam-damaged-re3
Hi Olivia,

Glad to hear it. The freight credit (USD 184.50) comes as a separate credit
note, CN-2024-0117, which our finance team issues by Friday. I have copied
Ann Lee, your account manager, in case you need anything else.

I am closing ticket #4471 now.
@@ lumiere-invoice
Dear Marie,

Please find attached invoice INV-2024-0042 for the February deliveries
(orders LF-311 and LF-317), total EUR 4,860.00, payable within 30 days (due
31 March 2024).

Our bank details are on page 2. Let me know if anything needs correcting.

Best regards,
Ann
@@ lumiere-invoice-re1
Bonjour Ann,

Merci pour la facture. La commande LF-317 a été livrée le 2 mars, donc après
la période de février : pourriez-vous la déplacer sur la facture de mars ?
Notre comptabilité ne peut pas valider une facture qui inclut une livraison
hors période.

Par ailleurs, notre numéro de TVA intracommunautaire a changé : le nouveau
est FR 98 765 432 109.
@@ lumiere-invoice-re2
Hi Marie,

Of course. Attached is the corrected invoice INV-2024-0042-R1: it covers
order LF-311 only (EUR 2,940.00) and shows your new VAT number. LF-317 will
be on the March invoice.

Best regards,
Ann
@@ lumiere-invoice-re3
Parfait, merci beaucoup pour votre réactivité ! Le règlement partira en fin
de semaine.
@@ alpenwerk-phase2
Hallo Frau Lee,

wie besprochen möchten wir Phase 2 der Lagerumstellung im April starten. Für
die Planung bräuchten wir von Ihnen bis Ende nächster Woche:

- einen groben Zeitplan für die Montage der 48 Regaleinheiten in Halle 3,
- die Namen der Monteure (für die Zugangsausweise),
- Ihre Anlieferfenster, da unsere Rampe 2 vormittags belegt ist.

Außerdem: Können die Arbeiten außerhalb unserer Kernzeiten (6:00 bis 14:00
Uhr) stattfinden?
@@ alpenwerk-phase2-re1
Hi Klaus,

Thank you, and please excuse me for answering in English. Ravi Patel, our
project lead (in copy), will send the detailed schedule by Friday. In short:

- installation in hall 3 from 15 April, two crews of three fitters, about
  eight working days;
- deliveries in the afternoon (14:00 to 17:00), so ramp 2 stays free in the
  morning;
- working from 14:00 to 22:00 is possible at no extra cost.

Best regards,
Ann
@@ alpenwerk-phase2-re2
Hallo Frau Lee, hallo Herr Patel,

vielen Dank, das passt uns sehr gut. Die Spätschicht bis 22:00 Uhr ist mit
dem Betriebsrat abgestimmt. Bitte schicken Sie mir die Namen der Monteure
bis zum 8. April, damit wir die Ausweise rechtzeitig drucken können.
@@ alpenwerk-schedule
Hi Ann,

Draft schedule for Alpenwerk hall 3 attached: the CSV for Klaus's planning
tool, plus a preview of the Gantt chart. Crew B starts one day after crew A,
so the two never block ramp 2 at the same time.

Could you check the customer-facing dates before I send it to Klaus on
Monday?

Thanks,
Ravi
@@ alpenwerk-kickoff
Ravi Patel has invited you to a meeting.

Alpenwerk phase 2 kick-off
When: Tuesday, 12 March 2024, 08:00-09:00 Pacific Time (16:00-17:00 Berlin)
Where: https://meet.northwind.example/alpenwerk-kickoff

Agenda:
1. Installation schedule and crews
2. Delivery windows at ramp 2
3. Site access and safety briefing
@@ alpenwerk-ramp-hours
Sehr geehrte Damen und Herren,

ab Montag, 11.03.2024, gelten für Anlieferungen an Rampe 2 geänderte Zeiten:

  Montag bis Donnerstag: 13:00 - 18:00 Uhr
  Freitag:               12:00 - 15:00 Uhr

Bitte melden Sie jede Lieferung spätestens 24 Stunden vorher über das
Lieferantenportal an. Fahrzeuge über 12 m Länge können nur nach
Rücksprache entladen werden.

Diese Nachricht wurde automatisch erstellt. Bitte antworten Sie nicht.

Alpenwerk GmbH · Wareneingang · Industriestraße 12 · 80331 München
@@ alpenwerk-ramp-hours-fw
Ravi, FYI: Alpenwerk's ramp 2 hours change from 11 March (13:00 to 18:00,
Fridays 12:00 to 15:00). Our afternoon delivery plan still fits, but please
book the Friday slot early.

Ann
@@ sakura-lead-time
Northwind Traders サポートご担当者様

いつもお世話になっております。
株式会社さくらトレーディングの田中です。

3月1日に発注いたしました注文番号 SO-5531
(スチール棚 NW-SH-120、20台)の納期について確認させてください。
当初は3月15日着とのご案内でしたが、現在の出荷予定日を
教えていただけますでしょうか。

また、見積書の再発行もお願いできますと幸いです。

よろしくお願いいたします。
@@ sakura-lead-time-re1
田中様

お問い合わせいただきありがとうございます。
Northwind Traders サポートでございます。

注文番号 SO-5531 は3月8日にシアトル港より出荷予定で、
東京への到着は3月14日の見込みです。
再発行した見積書を添付いたしますので、ご確認ください。

(English summary: SO-5531 ships from Seattle on 8 March and should reach
Tokyo on 14 March; the re-issued quotation is attached.)
@@ sakura-lead-time-re2
早速のご対応ありがとうございます。見積書を受領いたしました。
到着予定日につきまして、社内で共有させていただきます。

引き続きよろしくお願いいたします。
@@ alpenwerk-priority
Hi team,

Alpenwerk GmbH (Munich) starts phase 2 of their warehouse conversion in
April. Until 30 April, please treat tickets from alpenwerk.example as
priority 2 and copy Ravi Patel on anything about deliveries or installation.

Their contact is Klaus Müller; he writes in German but reads English well.

Best regards,
Ann
@@ alpenwerk-priority-re1
Hi Ann,

Done: a rule now tags mail from alpenwerk.example as P2 and adds Ravi in
copy. It expires on 30 April.
@@ contoso-late-delivery
Hi Ravi,

PO 7781-C was promised for 4 March and has still not arrived. Our site team
stood idle for half a day. Please confirm a delivery date today and tell us
who covers the extra labour cost.

Regards,
James
@@ contoso-late-delivery-fw
Hi support,

Forwarding James's complaint as an attachment so the ticket keeps its
original headers. Could you open a P2 ticket and check with Harbor Logistics
where PO 7781-C is? I will call James this afternoon.

Thanks,
Ravi
@@ fabrikam-scorecard
<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Supplier scorecard</title></head>
<body style="font-family: Arial, sans-serif">
<p>Dear Northwind Traders,</p>
<p>Your supplier scorecard for <b>February 2024</b> is ready.
Overall rating: <b>92 / 100</b> (January: 88).</p>
<table border="1" cellpadding="4" cellspacing="0">
<tr><th>Measure</th><th>Target</th><th>February</th></tr>
<tr><td>On-time delivery</td><td>95%</td><td>97.2%</td></tr>
<tr><td>Damaged shipments</td><td>&lt; 1%</td><td>0.8%</td></tr>
<tr><td>Invoice accuracy</td><td>98%</td><td>99.1%</td></tr>
</table>
<p>To improve next month:</p>
<ul>
<li>Confirm orders within 24 hours.</li>
<li>Send an advance shipping notice for every pallet.</li>
</ul>
<p>The details are in the
<a href="https://portal.fabrikam.example/scorecards/2024-02">supplier portal</a>.</p>
<p style="color:#777777;font-size:11px">This message was sent automatically. Replies are not read.</p>
</body></html>
@@ helpdesk-weekly
<html><body>
<h2>Weekly ticket summary</h2>
<p>Mailbox <b>support@northwind.example</b>, week 9: 26 February to 3 March 2024.</p>
<table>
<tr><th align="left">Measure</th><th align="right">Week 9</th><th align="right">Week 8</th></tr>
<tr><td>Tickets opened</td><td align="right">42</td><td align="right">37</td></tr>
<tr><td>Tickets resolved</td><td align="right">39</td><td align="right">40</td></tr>
<tr><td>Median first response</td><td align="right">1 h 12 min</td><td align="right">1 h 31 min</td></tr>
<tr><td>Customer satisfaction</td><td align="right">4.6 / 5</td><td align="right">4.4 / 5</td></tr>
</table>
<p>Oldest open ticket:
<a href="https://help.northwind.example/tickets/4398">#4398 Invoice copy request</a> (9 days).</p>
</body></html>
@@ scan-to-mail
Document scanned on NW-MFP-3F (3rd floor, copy room).

Pages: 2
Resolution: 300 dpi
File: scan_20240305_101544.pdf
@@ harbor-pickup
Pickup confirmation PU-77120

Shipper:     Northwind Traders, Reno NV, US
Consignee:   Alpenwerk GmbH, Industriestrasse 12, 80331 Munich, DE
Pieces:      6 pallets, 2,140 kg
Pickup:      2024-03-07, 09:00-12:00
Delivery:    2024-03-15 (estimated)

Track this shipment: https://track.harborlogistics.example/PU-77120
@@ contoso-renewal
Hi Ann,

Please find attached the master supply agreement for 2024, signed on our
side. Our legal team accepted the revised payment terms (45 days) and the
new price list from 1 February.

Could you countersign and send a copy back by the end of the month?

Kind regards,
@@ contoso-renewal-re1
Hi James,

Thank you! Our CFO countersigned this morning; the fully executed copy will
reach you through our e-signature service today.

Best regards,
Ann
@@ alpenwerk-floor-plan
Hallo Frau Lee,

anbei der aktuelle Hallenplan von Halle 3 (Stand Februar 2024). Die rot
markierten Flächen bleiben während der Umbauphase für den Staplerverkehr
frei.""")
