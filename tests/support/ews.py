"""An EWS emulator on loopback and a local-mode runtime configured against it, as a user would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exchangelib.protocol import CachingProtocol

from commsync.local_config import LocalConfig, LocalIntegration, LocalMailbox
from commsync.local_mode import LocalRuntime, apply_config, open_local, run_once
from commsync.models import SourceKind
from commsync.services.poll import PollOutcome
from emulators.ews import EwsEmulator
from emulators.server import EmulatorServer, running

PROJECT, NAME, BUCKET = "acme", "exchange", "acme-mail"
KEY = f"{PROJECT}/{NAME}"
SERVICE_USER, SERVICE_PASSWORD = "CORP\\svc-sync", "Winter-2024-sync!"


@dataclass
class EwsWorld:
    emulator: EwsEmulator
    server: EmulatorServer
    store: Path
    runtime: LocalRuntime
    outcomes: list[dict[str, PollOutcome]] = field(default_factory=list)

    def sync(self) -> dict[str, PollOutcome]:
        outcome = run_once(self.runtime)
        self.outcomes.append(outcome)
        return outcome

    def comments(self) -> dict[str, dict[str, Any]]:
        import json

        folder = self.store / "comments" / BUCKET
        return {p.stem: json.loads(p.read_bytes()) for p in sorted(folder.glob("*.json"))}

    def reconfigure(self, **integration_options: Any) -> None:
        """Apply a changed config, as `commsync run` does when the file changes."""
        config = self.runtime.config
        item = config.integrations[0]
        options = {**item.options, **integration_options}
        updated = item.model_copy(update={"options": options})
        self.runtime.config = config.model_copy(update={"integrations": [updated]})
        apply_config(self.runtime)


def endpoint(server: EmulatorServer) -> str:
    return server.url + "/EWS/Exchange.asmx"


def ews_config(
    tmp: Path,
    server: EmulatorServer,
    mailboxes: list[str],
    secret: dict[str, str] | None = None,
    page_size: int = 100,
    options: dict[str, str | int | bool] | None = None,
    **mailbox_options: object,
) -> LocalConfig:
    secrets = tmp / "secrets.toml"
    values = secret if secret is not None else {"username": SERVICE_USER, "password": SERVICE_PASSWORD}
    lines = ["[exchange-svc]"] + [f"{k} = {_toml_string(v)}" for k, v in values.items()]
    secrets.write_text("\n".join(lines) + "\n")
    base: dict[str, str | int | bool] = {"auth": "ntlm", "access": "impersonation"}
    if server.url.startswith("http://"):
        base["allow_insecure_loopback"] = True
    return LocalConfig(
        store=tmp / "store",
        secrets_file=secrets,
        page_size=page_size,
        integrations=[
            LocalIntegration(
                project=PROJECT,
                name=NAME,
                kind=SourceKind.EWS,
                endpoint=endpoint(server),
                bucket=BUCKET,
                secret="exchange-svc",
                options={**base, **(options or {})},
                mailboxes=[LocalMailbox.model_validate({"address": a, **mailbox_options}) for a in mailboxes],
            )
        ],
    )


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@contextmanager
def ews_world(
    tmp: Path,
    emulator: EwsEmulator,
    mailboxes: list[str],
    tls: Any = None,
    **config_options: Any,
) -> Iterator[EwsWorld]:
    with running(emulator.server(port=0, tls=tls)) as server:
        config = ews_config(tmp, server, mailboxes, **config_options)
        runtime = open_local(config)
        apply_config(runtime)
        try:
            yield EwsWorld(emulator=emulator, server=server, store=config.store, runtime=runtime)
        finally:
            runtime.close()
            # exchangelib caches protocols process-wide: no session may leak into the next test.
            CachingProtocol.clear_cache()
