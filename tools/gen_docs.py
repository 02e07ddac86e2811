"""Write the generated docs: the configuration reference, the comment JSON Schema and its example.

Run `make docs` (or `.venv/bin/python -m tools.gen_docs`) after changing a model; the tests in
tests/unit/test_docs_generated.py fail while a generated file is stale. Descriptions come from
the comment lines above each field in the models' source, so the reference says what the code says.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import sys
import textwrap
import types
import typing
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CONFIGURATION = DOCS / "configuration.md"
SCHEMA = DOCS / "comment.schema.json"
EXAMPLE = DOCS / "comment-example.json"
EXAMPLE_EML = ROOT / "tests" / "fixtures" / "eml" / "html_only_with_attachment.eml"


def field_comments(model: type[BaseModel]) -> dict[str, str]:
    """The `#` lines right above each field, and a trailing `# ...` on its line."""
    try:
        source, _ = inspect.getsourcelines(model)
    except (OSError, TypeError):
        return {}
    tree = ast.parse(textwrap.dedent("".join(source)))
    found: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node in body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            lines: list[str] = []
            n = node.lineno - 2
            while n >= 0 and source[n].strip().startswith("#"):
                lines.insert(0, source[n].strip().lstrip("#").strip())
                n -= 1
            tail = source[node.lineno - 1].split("  # ", 1)
            if len(tail) == 2 and not tail[1].strip().startswith("noqa"):
                lines.append(tail[1].strip())
            found[node.target.id] = " ".join(lines)
    return found


def type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_name(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in args if a is not type(None)) + (
            " (optional)" if type(None) in args else ""
        )
    if origin is list:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"table of {type_name(args[1])}"
    if origin is typing.Literal:
        return " or ".join(f"`{json.dumps(a)}`" for a in args)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " or ".join(f'`"{m.value}"`' for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    names = {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        Path: "path",
        datetime: "date-time",
    }
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def default_text(info: Any) -> str:
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return "(its defaults)"
        return f"`{json.dumps(value)}`"
    if info.default is PydanticUndefined:
        return "**required**"
    value = info.default.value if isinstance(info.default, Enum) else info.default
    if value is None:
        return "none"
    return f"`{json.dumps(str(value) if isinstance(value, Path) else value)}`"


def limits(info: Any) -> str:
    words = []
    for item in info.metadata:
        for name, label in (
            ("ge", "≥"),
            ("le", "≤"),
            ("gt", ">"),
            ("lt", "<"),
            ("min_length", "min length"),
            ("max_length", "max length"),
            ("pattern", "matches"),
        ):
            value = getattr(item, name, None)
            if value is None:
                continue
            if name != "pattern":
                words.append(f"{label} {value}")
            elif value in pattern_words():
                words.append(pattern_words()[value])
            else:
                words.append(f"{label} {_code(str(value))}")
    return ", ".join(words)


def _code(text: str) -> str:
    """Inline code a table cell can hold: a fence longer than any backtick run inside (CommonMark),
    and pipes escaped (GFM tables split cells on them, even inside code)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def pattern_words() -> dict[str, str]:
    """Patterns too long (or holding a backtick) to read, or to quote in a code span, in a cell."""
    from commsync.models import address

    return {address.ANY: "an e-mail address, or a Salesforce object API name (`commsync/models/address.py`)"}


# For fields whose source has no comment above them; the source's own comment wins when there is one.
FALLBACK = {
    "store": "Directory of the local store: SQLite state, comments/<bucket>/<id>.json, attachments.",
    "ai_unit_quota": "AI units per project and month before its integrations stop (reason quota); 0: none.",
    "page_size": "Items per source request page (each page is checkpointed).",
    "disable_after_minutes": "See disable_after_failures.",
    "integrations": "The integrations this file defines; managed by the file (the API refuses their edits).",
    "api": "`commsync serve` settings.",
    "port": "The port `commsync serve` listens on; 0 picks a free one.",
    "name": "A slug: lower-case letters, digits, - and _.",
    "sha256": "The token's SHA-256, hex; the token itself is never stored.",
    "permissions": "`view` reads; `modify` also changes (and includes view).",
    "created_at": "When it was issued.",
    "project": "Groups integrations (quota, notifications); a slug.",
    "kind": "Which source reads it.",
    "bucket": "Where its comments go: comments/<bucket>/<id>.json.",
    "options": "Source options: the tables below per kind.",
    "enabled": "false: defined but not synced.",
    "mailboxes": "Its mailboxes (Salesforce: objects).",
    "start_time": "Only emails received at or after this instant (RFC 3339, UTC).",
    "folders": "Folder paths to sync or skip; glob patterns; deny wins.",
    "participants": "Addresses: an email passes when any participant is allowed and none denied.",
    "domains": "Domains, as participants.",
    "sync_attachments": "false: attachments are listed in the comment but their bytes are not stored.",
    "poll_interval_seconds": "How often it is polled.",
    "allow": "Allowed values; empty: all.",
    "deny": "Denied values; wins over allow.",
    "allow_insecure_loopback": "Allow plain http:// to 127.0.0.1 (emulators, tests); never elsewhere.",
    "request_timeout_seconds": "Seconds one HTTP request may take.",
    "ca_bundle": "PEM file of CAs for a private server certificate (verification is never turned off).",
    "ciphers": "OpenSSL cipher list for servers that need particular suites.",
    "authority": "The identity platform's URL (sovereign clouds, the emulator).",
    "tenant": "Entra tenant name or id.",
    "client_id": "The app's (client) id.",
}


def model_table(model: type[BaseModel], heading: str, about: str) -> list[str]:
    comments: dict[str, str] = {}
    for klass in reversed(model.__mro__):
        if isinstance(klass, type) and issubclass(klass, BaseModel) and klass is not BaseModel:
            comments.update(field_comments(klass))
    rows = [f"## {heading}", "", f'<a id="{model.__name__.lower()}"></a>', "", about, ""]
    rows += ["| key | type | default | limits | what it does |", "| --- | --- | --- | --- | --- |"]
    for name, info in model.model_fields.items():
        text = (comments.get(name) or FALLBACK.get(name, "")).replace("|", "\\|")
        rows.append(
            f"| `{name}` | {type_name(info.annotation)} | {default_text(info)} | {limits(info)} | {text} |"
        )
    return [*rows, ""]


def configuration() -> str:
    from commsync.local_config import ApiConfig, LocalConfig, LocalIntegration, LocalMailbox
    from commsync.models.access import ApiToken
    from commsync.models.ews import EwsOptions
    from commsync.models.graph import GraphOptions
    from commsync.models.mailbox import AddressFilter, FolderFilter
    from commsync.models.salesforce import SalesforceOptions

    parts = [
        "# Configuration reference",
        "",
        "<!-- Generated by tools/gen_docs.py from the pydantic models; do not edit by hand:"
        " run `make docs`. tests/unit/test_docs_generated.py fails when this file is stale. -->",
        "",
        "The local-mode config file is TOML, read by `commsync run`, `serve`, `status`, `enable` and"
        " `token list/revoke` (`--config FILE`, else `$COMMSYNC_CONFIG`, `./commsync.toml`, or"
        " `commsync-demo/commsync.toml`). Relative paths are relative to the file. An unknown key is"
        ' an error that names it and suggests the closest known one ("did you mean"). Secrets never'
        " go in this file: they live in the secrets file (`secrets_file`) or in"
        " `COMMSYNC_SECRET_<NAME>_<KEY>` variables. Examples per source: [eml](sources/eml.md),"
        " [ews](sources/ews.md), [graph](sources/graph.md), [salesforce](sources/salesforce.md).",
        "",
    ]
    sections: list[tuple[type[BaseModel], str, str]] = [
        (LocalConfig, "Top level", "The file's top-level keys."),
        (ApiConfig, "`[api]`", "`commsync serve`: where it listens and who may call it."),
        (ApiToken, "`[[api.tokens]]`", "One entry per token, as `commsync token create` prints it."),
        (LocalIntegration, "`[[integrations]]`", "One connection to one server, tenant, org or export."),
        (
            LocalMailbox,
            "`[[integrations.mailboxes]]`",
            "A mailbox (or, for Salesforce, an object) of its integration.",
        ),
        (FolderFilter, "Folder filter", "`folders = { allow = [...], deny = [...] }` on a mailbox."),
        (AddressFilter, "Address filter", "`participants` and `domains` on a mailbox."),
        (EwsOptions, "`options` of an `ews` integration", "See [the ews source](sources/ews.md)."),
        (GraphOptions, "`options` of a `graph` integration", "See [the graph source](sources/graph.md)."),
        (
            SalesforceOptions,
            "`options` of a `salesforce` integration",
            "See [the salesforce source](sources/salesforce.md).",
        ),
    ]
    for model, heading, about in sections:
        parts += model_table(model, heading, about)
    parts += [
        "An `eml` integration takes free-form options (`settle_seconds`: how old a file must be before it"
        " is read). Filters of on-demand syncs and `filters` on a mailbox are described in"
        " [filters](filters.md).",
        "",
    ]
    return "\n".join(parts)


def comment_schema() -> str:
    from commsync.models.comment import Comment

    schema = Comment.model_json_schema(by_alias=True, mode="serialization")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "comment.schema.json",
        "title": "commsync comment",
        "description": "One comment record: comments/<bucket>/<id>.json (generated by tools/gen_docs.py).",
        **{k: v for k, v in schema.items() if k != "title"},
    }
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def comment_example() -> str:
    from commsync.cleaning.build import Origin, clean

    origin = Origin(
        integration="acme/exchange",
        kind="ews",
        bucket="acme-mail",
        mailbox="ann.lee@northwind.example",
        folder="Inbox",
    )
    built = clean(EXAMPLE_EML.read_bytes(), origin, datetime(2026, 1, 5, 9, 30, tzinfo=UTC))
    return json.dumps(json.loads(built.comment.to_json()), indent=2, ensure_ascii=False) + "\n"


GENERATED = {CONFIGURATION: configuration, SCHEMA: comment_schema, EXAMPLE: comment_example}


def main() -> int:
    for path, make in GENERATED.items():
        path.write_text(make(), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
