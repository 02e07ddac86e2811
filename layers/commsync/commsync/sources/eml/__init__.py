"""A folder of .eml files: `<root>/<mailbox address>/<Folder>[/<Subfolder>...]/<name>.eml`."""

from commsync.sources.eml.source import EmlSource

__all__ = ["EmlSource"]
