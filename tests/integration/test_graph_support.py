"""Shared set-up for the Graph tests: a realistic mailbox tree, the identity and Graph emulators
over TLS, and a local-mode runtime configured against them as a user would.

(Named test_graph_* to stay within the files of issue 10; it holds no tests itself.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from commsync.local_config import LocalConfig, LocalIntegration, LocalMailbox
from commsync.local_mode import LocalRuntime, apply_config, drain, open_local, run_once
from commsync.models import PollJob, SourceKind
from commsync.services.poll import PollOutcome
from emulators.graph import GraphEmulator
from emulators.identity import IdentityEmulator
from emulators.server import EmulatorServer, running
from emulators.tls import TlsFiles
from tests.support.mail import write_eml

PROJECT, NAME, BUCKET = "acme", "outlook", "acme-mail"
KEY = f"{PROJECT}/{NAME}"
ANN, BOB = "ann@contoso.example", "bob@contoso.example"
TENANT = "contoso"
CLIENT_ID = "6e2b3c4d-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
CLIENT_SECRET = "graph~app.Secret-2024"  # test credential
GRAPH = "https://graph.microsoft.com"
SENDERS = [
    "Carol Diaz <carol@fabrikam.example>",
    "Dan Wu <dan@northwind.example>",
    "Erin Moss <erin@tailspin.example>",
    "Frank Ode <frank.ode@northwind.example>",
]
CATEGORIES = ["", "Customer", "Invoice", "Customer, Urgent", "", "Partner"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def message(
    n: int,
    sender: str,
    to: str = f"Ann Lee <{ANN}>",
    sent: datetime | None = None,
    keywords: str = "",
    attachment: bool = False,
    inline_image: bool = False,
    attached_email: bool = False,
) -> bytes:
    """A realistic email: plain and HTML bodies, a quoted reply, optional attachments and categories."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"Shipment {2000 + n}: delivery window"
    msg["Date"] = format_datetime(sent or datetime(2024, 3, 1, 9, 0, tzinfo=UTC) + timedelta(hours=7 * n))
    msg["Message-ID"] = f"<shipment-{n}.{n * 7919 % 1000}@mail.contoso.example>"
    if keywords:
        msg["Keywords"] = keywords
    text = (
        f"Hi Ann,\n\nthe pallets for shipment {2000 + n} leave the dock on Tuesday; "
        f"the carrier confirms a window of 8-12.\n\nBest,\n{sender.split()[0]}\n\n"
        f"> On Monday, Ann Lee wrote:\n> Could you confirm the window for {2000 + n}?\n"
    )
    msg.set_content(text)
    html = f"<p>Hi Ann,</p><p>the pallets for shipment {2000 + n} leave the dock on Tuesday.</p>"
    if inline_image:
        html += '<p><img src="cid:logo@contoso.example"></p>'
    msg.add_alternative(html, subtype="html")
    if inline_image:
        html_part = msg.get_body(preferencelist=("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(PNG, maintype="image", subtype="png", cid="<logo@contoso.example>")
    if attachment:
        msg.add_attachment(
            b"%PDF-1.4 manifest " + bytes([n % 256]) * 40,
            maintype="application",
            subtype="pdf",
            filename=f"manifest-{n}.pdf",
        )
    if attached_email:
        inner = EmailMessage()
        inner["From"], inner["To"], inner["Subject"] = SENDERS[0], ANN, "Original booking"
        inner.set_content("Booking reference 77.\n")
        msg.add_attachment(inner)
    return msg.as_bytes()


def write_corpus(data: Path, count: int = 30) -> dict[str, bytes]:
    """Ann's mailbox: Inbox (with a sub-folder), Sent Items and Archive, over two weeks of March 2024;
    categories, PDF attachments, an attached email, inline images. Returns {relative path: bytes}."""
    written: dict[str, bytes] = {}
    for n in range(count):
        folder = ["Inbox", "Inbox", "Inbox/Projects", "Archive", "Sent Items"][n % 5]
        sender = f"Ann Lee <{ANN}>" if folder == "Sent Items" else SENDERS[n % len(SENDERS)]
        to = SENDERS[n % len(SENDERS)] if folder == "Sent Items" else f"Ann Lee <{ANN}>"
        data_bytes = message(
            n,
            sender,
            to,
            sent=datetime(2024, 3, 1, 8, 0, tzinfo=UTC) + timedelta(hours=11 * n),
            keywords=CATEGORIES[n % len(CATEGORIES)],
            attachment=n % 3 == 0,
            inline_image=n % 4 == 1,
            attached_email=n % 7 == 5,
        )
        write_eml(data, ANN, folder, f"{n:03d}.eml", data_bytes)
        written[f"{folder}/{n:03d}.eml"] = data_bytes
    return written


@dataclass
class GraphWorld:
    identity: IdentityEmulator
    emulator: GraphEmulator
    server: EmulatorServer
    tls: TlsFiles
    store: Path
    runtime: LocalRuntime
    outcomes: list[dict[str, PollOutcome]] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return self.server.url + "/v1.0"

    def sync(self) -> PollOutcome:
        outcome = run_once(self.runtime)
        self.outcomes.append(outcome)
        return outcome[f"{KEY}#{ANN}"]

    def run(self, job: PollJob) -> dict[str, PollOutcome]:
        """Queue one job (as the API does) and drain the queue."""
        self.runtime.engine.queue.send([job])
        return drain(self.runtime)

    def comments(self) -> dict[str, dict[str, Any]]:
        folder = self.store / "comments" / BUCKET
        return {p.stem: json.loads(p.read_bytes()) for p in sorted(folder.glob("*.json"))}


def identity_with_app(roles: list[str] | None = None) -> IdentityEmulator:
    idp = IdentityEmulator()
    idp.add_app(
        TENANT, CLIENT_ID, secret=CLIENT_SECRET, roles={GRAPH: ["Mail.Read"] if roles is None else roles}
    )
    return idp


def graph_config(
    tmp: Path,
    world_url: str,
    identity: IdentityEmulator,
    tls: TlsFiles,
    mailboxes: list[str],
    secret: dict[str, str] | None = None,
    page_size: int = 100,
    options: dict[str, str | int | bool] | None = None,
    **mailbox_options: object,
) -> LocalConfig:
    tmp.mkdir(parents=True, exist_ok=True)
    secrets = tmp / "secrets.toml"
    values = secret if secret is not None else {"client_secret": CLIENT_SECRET}
    secrets.write_text("[graph-app]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items()))
    base: dict[str, str | int | bool] = {
        "auth": "app",
        "tenant": TENANT,
        "client_id": CLIENT_ID,
        "authority": str(identity.url),
        "ca_bundle": str(tls.cert),
    }
    return LocalConfig(
        store=tmp / "store",
        secrets_file=secrets,
        page_size=page_size,
        integrations=[
            LocalIntegration(
                project=PROJECT,
                name=NAME,
                kind=SourceKind.GRAPH,
                endpoint=world_url + "/v1.0",
                bucket=BUCKET,
                secret="graph-app",
                options={**base, **(options or {})},
                mailboxes=[LocalMailbox.model_validate({"address": a, **mailbox_options}) for a in mailboxes],
            )
        ],
    )


@contextmanager
def graph_world(
    tmp: Path, data: Path, tls: TlsFiles, identity: IdentityEmulator | None = None, **config: Any
) -> Iterator[GraphWorld]:
    idp = identity or identity_with_app()
    with running(idp.server(0, tls=tls)):
        emulator = GraphEmulator.from_directory(data, idp.verifier())
        with running(emulator.server(0, tls=tls)) as server:
            local = graph_config(tmp, server.url, idp, tls, config.pop("mailboxes", [ANN]), **config)
            runtime = open_local(local)
            apply_config(runtime)
            try:
                yield GraphWorld(idp, emulator, server, tls, local.store, runtime)
            finally:
                runtime.close()
