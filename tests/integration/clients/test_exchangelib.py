"""exchangelib 5.6 against the EWS emulator beyond commsync's own operations: one test per
documented call of its "Searching", "Folders" and "Attachments" sections.

The recipe (emulators/ews/README.md): `Configuration(service_endpoint=<emulator>/EWS/Exchange.asmx,
credentials=Credentials('EMU\\\\svc', password), auth_type=NTLM, version=Version(build=Build(15, 1,
...)))` and `Account(address, autodiscover=False, access_type=DELEGATE, config=config)`; with
`--tls`, the emulator's certificate as REQUESTS_CA_BUNDLE (exchangelib uses requests sessions).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from exchangelib import EWSDateTime, FileAttachment
from exchangelib.folders import Calendar, Contacts, Messages, Tasks

from tests.integration.emulators.test_ews_support import ANN, Served, serve
from tests.support.mail import email_bytes, write_eml

pytestmark = pytest.mark.integration
T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    for n in range(12):
        subject = f"Invoice {n}" if n % 3 == 0 else None
        attachment = ("invoice.pdf", b"%PDF-1.4 " + bytes([n])) if n == 3 else None
        mail = email_bytes(n, subject=subject, attachment=attachment, sent=T0 + timedelta(hours=n))
        write_eml(tmp_path, ANN, "Inbox", f"{n:03d}.eml", mail)
    write_eml(tmp_path, ANN, "Inbox/Projects", "p.eml", email_bytes(50))
    with serve(tmp_path) as found:
        yield found


def test_all_pages_through_every_item_of_a_folder(served: Served) -> None:
    query = served.account().inbox.all().only("subject")
    query.page_size = 5
    subjects = [m.subject for m in query]
    assert len(subjects) == 12 and served.emulator.stats["op:FindItem"] >= 3


def test_count_reads_the_total_without_the_items(served: Served) -> None:
    assert served.account().inbox.all().count() == 12


def test_filter_on_subject_and_dates_restricts_on_the_server(served: Served) -> None:
    inbox = served.account().inbox
    assert {m.subject for m in inbox.filter(subject__startswith="Invoice")} == {
        f"Invoice {n}" for n in (0, 3, 6, 9)
    }
    since = EWSDateTime.from_datetime(T0 + timedelta(hours=9, minutes=30))
    assert sorted(m.subject for m in inbox.filter(datetime_received__gte=since).only("subject")) == [
        "Order 1010 status",
        "Order 1011 status",
    ]
    assert inbox.filter(subject="Invoice 3", is_read=False).count() == 1


def test_order_by_and_a_slice_return_the_newest_first(served: Served) -> None:
    newest = served.account().inbox.all().order_by("-datetime_received").only("subject")[:2]
    assert [m.subject for m in newest] == ["Order 1011 status", "Order 1010 status"]
    oldest = served.account().inbox.all().order_by("datetime_received").only("subject")[:1]
    assert [m.subject for m in oldest] == ["Invoice 0"]


def test_get_reads_one_item_with_its_body_and_attachment(served: Served) -> None:
    account = served.account()
    found = account.inbox.get(subject="Invoice 3")
    assert "order 1003 ships tomorrow" in str(found.body)
    files = [a for a in found.attachments if isinstance(a, FileAttachment)]
    assert [(a.name, a.content[:8]) for a in files] == [("invoice.pdf", b"%PDF-1.4")]


def test_non_mail_folders_are_there_with_their_classes(served: Served) -> None:
    account = served.account()
    assert isinstance(account.calendar, Calendar) and isinstance(account.contacts, Contacts)
    assert isinstance(account.tasks, Tasks) and account.calendar.all().count() == 0
    mail = [f.name for f in account.msg_folder_root.walk() if isinstance(f, Messages)]
    assert "Projects" in mail and "Calendar" not in mail
