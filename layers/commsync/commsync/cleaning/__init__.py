"""From raw MIME to the parts of a comment. Never raises on bad input: problems become warnings."""

from commsync.cleaning.mime import ParsedAttachment, ParsedEmail, parse_email

__all__ = ["ParsedAttachment", "ParsedEmail", "parse_email"]
