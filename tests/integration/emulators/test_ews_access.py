"""Delegate and Impersonation access with per-mailbox grants, and EWS's own refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchangelib import DELEGATE, IMPERSONATION
from exchangelib.errors import ErrorAccessDenied, ErrorImpersonateUserDenied, ErrorNonExistentMailbox

from tests.integration.emulators.test_ews_support import ANN, BOB, SERVICE, serve, write_mailboxes

pytestmark = pytest.mark.integration


def test_impersonation_reads_a_granted_mailbox_and_is_denied_a_withheld_one(tmp_path: Path) -> None:
    # GIVEN the service account may not act on Bob's mailbox
    write_mailboxes(tmp_path)
    with serve(tmp_path, deny={(SERVICE, BOB)}) as served:
        # WHEN it impersonates Ann, then Bob
        ann = served.account(ANN, IMPERSONATION)
        bob = served.account(BOB, IMPERSONATION)

        # THEN Ann's inbox is read; Bob's is refused as Exchange refuses it (a SOAP fault)
        assert ann.inbox.total_count == 3
        with pytest.raises(ErrorImpersonateUserDenied):
            _ = bob.root
        assert served.emulator.stats["faults"] == 1


def test_delegate_access_to_a_withheld_mailbox_is_access_denied(tmp_path: Path) -> None:
    # GIVEN Bob's mailbox withheld from the service account (the principal matches case-insensitively)
    write_mailboxes(tmp_path)
    with serve(tmp_path, deny={("emu\\SVC", BOB.upper())}) as served:
        # WHEN it opens Bob's mailbox by Delegate access
        account = served.account(BOB, DELEGATE)

        # THEN the per-folder answer is ErrorAccessDenied, and Ann's mailbox still works
        with pytest.raises(ErrorAccessDenied):
            _ = account.root
        assert served.account(ANN, DELEGATE).inbox.total_count == 3


@pytest.mark.parametrize("access_type", [DELEGATE, IMPERSONATION])
def test_an_unknown_mailbox_is_non_existent(tmp_path: Path, access_type: str) -> None:
    # GIVEN an address with no mailbox on the server
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        account = served.account("nobody@northwind.example", access_type)

        # WHEN / THEN exchangelib raises ErrorNonExistentMailbox either way
        with pytest.raises(ErrorNonExistentMailbox):
            _ = account.root


def test_a_mailbox_added_while_running_is_served(tmp_path: Path) -> None:
    # GIVEN a running emulator
    write_mailboxes(tmp_path)
    with serve(tmp_path) as served:
        # WHEN a mailbox is created and mail delivered to it
        served.emulator.store.add_mailbox("cy@contoso.example")
        served.emulator.store.add("cy@contoso.example", "Inbox", b"Subject: hi\r\n\r\nhello\r\n")

        # THEN exchangelib finds it, with the distinguished folders every mailbox has
        account = served.account("cy@contoso.example", IMPERSONATION)
        assert account.inbox.total_count == 1
        assert {f.name for f in account.msg_folder_root.children} >= {"Inbox", "Sent Items", "Drafts"}
