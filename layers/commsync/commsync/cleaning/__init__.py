"""From raw MIME to the parts of a comment. Never raises on bad input: problems become warnings."""

from commsync.cleaning.attachments import ParsedAttachment
from commsync.cleaning.mime import ParsedEmail, parse_email
from commsync.cleaning.separate import Separated, separate

__all__ = ["ParsedAttachment", "ParsedEmail", "Separated", "parse_email", "separate"]
