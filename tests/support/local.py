"""A local-mode runtime in a temporary directory, configured through the models users write."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from commsync.local_config import LocalConfig, LocalIntegration, LocalMailbox
from commsync.local_mode import LocalRuntime, apply_config, open_local, run_once
from commsync.models import SourceKind
from commsync.services.poll import PollOutcome

PROJECT, NAME, BUCKET = "acme", "exports", "acme-mail"
KEY = f"{PROJECT}/{NAME}"


@dataclass
class LocalWorld:
    mail: Path
    store: Path
    runtime: LocalRuntime

    def sync(self) -> dict[str, PollOutcome]:
        return run_once(self.runtime)

    def comments(self) -> dict[str, bytes]:
        folder = self.store / "comments" / BUCKET
        return {p.stem: p.read_bytes() for p in sorted(folder.glob("*.json"))}


def local_world(
    tmp: Path, mailboxes: list[str], quota: int = 0, page_size: int = 100, **mailbox_options: object
) -> LocalWorld:
    mail, store = tmp / "mail", tmp / "store"
    mail.mkdir(parents=True, exist_ok=True)
    config = LocalConfig(
        store=store,
        ai_unit_quota=quota,
        page_size=page_size,
        integrations=[
            LocalIntegration(
                project=PROJECT,
                name=NAME,
                kind=SourceKind.EML,
                endpoint=str(mail),
                bucket=BUCKET,
                options={"settle_seconds": 0},
                mailboxes=[LocalMailbox.model_validate({"address": a, **mailbox_options}) for a in mailboxes],
            )
        ],
    )
    runtime = open_local(config)
    apply_config(runtime)
    return LocalWorld(mail=mail, store=store, runtime=runtime)


def write_config(directory: Path, mailboxes: list[str], poll_interval_seconds: int = 300) -> Path:
    """The TOML a user writes for an export under <directory>/mail, as the README documents it."""
    lines = [
        'store = "store"',
        "",
        "[[integrations]]",
        f'project = "{PROJECT}"',
        f'name = "{NAME}"',
        'kind = "eml"',
        'endpoint = "mail"',
        f'bucket = "{BUCKET}"',
        "options = { settle_seconds = 0 }",
    ]
    for address in mailboxes:
        lines += [
            "",
            "[[integrations.mailboxes]]",
            f'address = "{address}"',
            f"poll_interval_seconds = {poll_interval_seconds}",
        ]
    path = directory / "commsync.toml"
    path.write_text("\n".join(lines) + "\n")
    return path
