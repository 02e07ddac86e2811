"""O365 2.1 against the identity and Graph emulators over HTTPS: one test per documented
mailbox and directory call (its docs' "Mailbox" and "Directory" sections).

The recipe (emulators/graph/README.md): a `MSGraphProtocol` subclass whose `_protocol_url` is
the emulator's root; an `Account` whose `connection_constructor` is a `Connection` subclass that
sets the authority to the identity emulator and builds its msal client with
`instance_discovery=False` (O365 offers no option for either); and the emulators' certificate
as REQUESTS_CA_BUNDLE (O365 and msal use requests sessions, which the environment overrides).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msal
import pytest
from O365 import Account
from O365.connection import Connection, MSGraphProtocol
from O365.mailbox import MailBox
from O365.utils.token import MemoryTokenBackend

from emulators.graph import ids
from tests.integration.clients.graph_world import ANN, CLIENT_ID, CLIENT_SECRET, TENANT, World, world

pytestmark = pytest.mark.integration


def _account(env: World) -> Account:
    class LoopbackGraph(MSGraphProtocol):  # type: ignore[misc]
        _protocol_url = env.server.url + "/"

    class LoopbackConnection(Connection):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._msal_authority = f"{env.identity_url}/{TENANT}"

        @property
        def msal_client(self) -> Any:
            if self._msal_client is None:  # type: ignore[has-type]
                self._msal_client = msal.ConfidentialClientApplication(
                    self.auth[0],
                    client_credential=self.auth[1],
                    authority=self._msal_authority,
                    token_cache=self.token_backend,
                    instance_discovery=False,
                )
            return self._msal_client

    class LoopbackAccount(Account):  # type: ignore[misc]
        connection_constructor = LoopbackConnection

    return LoopbackAccount(
        (CLIENT_ID, CLIENT_SECRET),
        auth_flow_type="credentials",
        tenant_id=TENANT,
        protocol=LoopbackGraph(),
        # O365's default backend writes o365_token.txt into the working directory.
        token_backend=MemoryTokenBackend(),
    )


@pytest.fixture
def account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Account]:
    with world(tmp_path) as env:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(env.tls.cert))
        found = _account(env)
        assert found.authenticate()
        yield found


@pytest.fixture
def mailbox(account: Account) -> MailBox:
    return account.mailbox(resource=ANN)


def _subjects(messages: Any) -> list[str]:
    return [m.subject for m in messages]


def test_inbox_messages_come_newest_first_and_page_past_the_limit(mailbox: MailBox) -> None:
    subjects = _subjects(mailbox.inbox_folder().get_messages(limit=6, batch=4))
    assert subjects == [f"Shipment {2000 + n}: delivery window" for n in range(5, -1, -1)]


def test_get_folder_by_name_finds_that_folder(mailbox: MailBox) -> None:
    sent = mailbox.get_folder(folder_name="Sent Items")
    assert sent is not None and sent.name == "Sent Items"
    assert _subjects(sent.get_messages()) == [
        "Shipment 2007: delivery window",
        "Shipment 2006: delivery window",
    ]


def test_get_folders_and_a_child_folder(mailbox: MailBox) -> None:
    names = {f.name for f in mailbox.get_folders()}
    assert {"Inbox", "Sent Items", "Archive"} <= names and "Calendar" not in names
    projects = mailbox.inbox_folder().get_folder(folder_name="Projects")
    assert projects is not None and _subjects(projects.get_messages()) == ["Shipment 2009: delivery window"]


def test_well_known_folders_archive_and_recoverable_items(mailbox: MailBox) -> None:
    assert _subjects(mailbox.archive_folder().get_messages()) == ["Shipment 2008: delivery window"]
    assert list(mailbox.recoverableitemsdeletions_folder().get_messages()) == []
    assert list(mailbox.deleted_folder().get_messages()) == []


def test_query_filters_on_received_time_and_orders_ascending(mailbox: MailBox) -> None:
    builder = mailbox.new_query()
    since = builder.greater_equal("receivedDateTime", datetime(2024, 3, 1, 20, 0, tzinfo=UTC))
    query = since & builder.orderby(("receivedDateTime", True))
    subjects = _subjects(mailbox.inbox_folder().get_messages(query=query))
    assert subjects == [f"Shipment {2000 + n}: delivery window" for n in (2, 3, 4, 5)]


def test_query_contains_and_startswith(mailbox: MailBox) -> None:
    builder = mailbox.new_query()
    query = builder.contains("subject", "2003")
    assert _subjects(mailbox.inbox_folder().get_messages(query=query)) == ["Shipment 2003: delivery window"]
    query = builder.startswith("subject", "shipment 200")
    assert len(_subjects(mailbox.inbox_folder().get_messages(query=query))) == 6


def test_search_finds_words_in_the_body(mailbox: MailBox) -> None:
    query = mailbox.new_query().search("2004")  # the body says "shipment 2004" too
    assert _subjects(mailbox.inbox_folder().get_messages(query=query)) == ["Shipment 2004: delivery window"]


def test_select_reads_only_the_named_properties(mailbox: MailBox) -> None:
    query = mailbox.new_query().select("subject", "flag", "isReadReceiptRequested")
    message = next(iter(mailbox.inbox_folder().get_messages(limit=1, query=query)))
    assert message.subject and message.body == "" and message.flag.status.value == "not_flagged"


def test_attachments_download_with_their_bytes(mailbox: MailBox) -> None:
    query = mailbox.new_query().equals("hasAttachments", True)
    messages = list(mailbox.inbox_folder().get_messages(query=query, download_attachments=True))
    kinds = {a.name: (a.attachment_type, bool(a.content)) for m in messages for a in m.attachments}
    assert ("file", True) in kinds.values() and ("item", False) in kinds.values()


def test_mime_content_is_the_rfc822_message(mailbox: MailBox) -> None:
    message = next(iter(mailbox.inbox_folder().get_messages(limit=1)))
    assert b"Subject: Shipment 2005" in message.get_mime_content()


def test_directory_lists_users_and_reads_one_by_object_id(account: Account) -> None:
    directory = account.directory(resource="users")
    assert [u.mail for u in directory.get_users()] == [ANN]
    user = directory.get_user(ids.object_id(ANN))
    assert user.user_principal_name == ANN
