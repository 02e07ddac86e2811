"""commsync: sync mailboxes and CRM records into clean, enriched comment records."""

# The one place the version is written (issue 23): pyproject.toml reads it at build time,
# `commsync --version`, /health and the OpenAPI document at run time; CHANGELOG.md's top entry
# names it (tests/unit/test_version.py checks all of them agree).
__version__ = "0.3.0"
