"""Access to mailboxes for one request: Impersonation or Delegate, with per-mailbox grants.

Exchange reports a refused impersonation for the whole request (a SOAP fault:
ErrorImpersonateUserDenied, ErrorNonExistentMailbox), but a refused Delegate access per folder or
item (ResponseClass="Error" with ErrorAccessDenied); exchangelib maps both to exception classes of
the same names. Each service account may act on every mailbox unless `deny` withholds it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from emulators.ews import ids
from emulators.ews.auth import Caller
from emulators.ews.mailbox import Folder, Item, Mailbox
from emulators.ews.request import Request, T, mailbox_address
from emulators.ews.soap import EwsError, SoapFault
from emulators.ews.store import MailStore


@dataclass
class Context:
    store: MailStore
    caller: Caller
    deny: frozenset[tuple[str, str]]
    impersonated: Mailbox | None = None

    @classmethod
    def open(
        cls, store: MailStore, caller: Caller, deny: frozenset[tuple[str, str]], request: Request
    ) -> Context:
        context = cls(store, caller, deny)
        if request.impersonated is None:
            if caller.app_only:
                # Exchange Online: application tokens act only through ExchangeImpersonation.
                raise SoapFault("ErrorInvalidExchangeImpersonationHeaderData")
            return context
        mailbox = store.mailbox(request.impersonated)
        if mailbox is None:
            raise SoapFault("ErrorNonExistentMailbox")
        if context._denied(mailbox.address):
            raise SoapFault("ErrorImpersonateUserDenied")
        context.impersonated = mailbox
        return context

    def _denied(self, address: str) -> bool:
        if self.caller.mailbox == address:
            return False
        return (self.caller.principal.lower(), address) in self.deny

    @property
    def default_address(self) -> str | None:
        return self.impersonated.address if self.impersonated else self.caller.mailbox

    def mailbox(self, address: str | None) -> Mailbox:
        address = address or self.default_address
        if self.impersonated is not None and address == self.impersonated.address:
            return self.impersonated
        mailbox = self.store.mailbox(address) if address else None
        if mailbox is None:
            raise EwsError("ErrorNonExistentMailbox")
        if self._denied(mailbox.address):
            raise EwsError("ErrorAccessDenied")
        return mailbox

    def folder(self, element: ET.Element) -> tuple[Mailbox, Folder]:
        """A t:DistinguishedFolderId or t:FolderId element -> its live folder."""
        if element.tag == f"{T}DistinguishedFolderId":
            mailbox = self.mailbox(mailbox_address(element))
            with mailbox.lock:
                folder = mailbox.distinguished.get((element.get("Id") or "").lower())
        elif element.tag == f"{T}FolderId":
            decoded = ids.decode(element.get("Id"), "folder")
            mailbox = self.mailbox(decoded.mailbox)
            with mailbox.lock:
                folder = mailbox.folders.get(decoded.folder)
        else:
            raise EwsError("ErrorInvalidIdMalformed")
        if folder is None or not folder.alive:
            raise EwsError("ErrorFolderNotFound")
        return mailbox, folder

    def item(self, element: ET.Element) -> tuple[Mailbox, Item]:
        """A t:ItemId element -> its live item (a moved item's old id is not found, as on Exchange)."""
        decoded = ids.decode(element.get("Id"), "item")
        mailbox = self.mailbox(decoded.mailbox)
        with mailbox.lock:
            item = mailbox.live_item(decoded.item)
        if item is None or item.folder.uid != decoded.folder:
            raise EwsError("ErrorItemNotFound")
        return mailbox, item

    def attachment(self, element: ET.Element) -> tuple[Mailbox, Item, int]:
        decoded = ids.decode(element.get("Id"), "attachment")
        mailbox = self.mailbox(decoded.mailbox)
        with mailbox.lock:
            item = mailbox.live_item(decoded.item)
        if item is None or decoded.index >= len(item.source.attachments()):
            raise EwsError("ErrorItemNotFound")
        return mailbox, item, decoded.index
