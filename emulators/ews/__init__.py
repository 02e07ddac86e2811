"""Exchange Web Services emulator that unmodified exchangelib accepts (NTLM, Basic, OAuth; sync).

Serves `/EWS/Exchange.asmx` on 127.0.0.1 over a directory of .eml files laid out as
`<mailbox address>/<Folder>[/<Subfolder>...]/<name>.eml`, with one module per EWS operation.
What it serves, its `--fault` options and the exchangelib recipe: README.md beside this file.
"""

from emulators.ews.command import add_arguments, build
from emulators.ews.emulator import EwsEmulator
from emulators.ews.faults import Faults
from emulators.ews.store import ItemInfo, MailStore

__all__ = ["EwsEmulator", "Faults", "ItemInfo", "MailStore", "add_arguments", "build"]
