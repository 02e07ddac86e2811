"""The clients the EWS scenarios compare: commsync in local mode, and plain exchangelib.

`local_runtime` configures local mode against the emulator exactly as a user's config file
would (NTLM, impersonation, a secrets file). `plain_account` is exchangelib as users write it,
either with commsync's transport fix (our Protocol subclass and EwsHttpAdapter, through
`commsync.sources.ews.connect`) or stock, with nothing of ours in the way.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.emulator_process import SERVICE_PASSWORD, SERVICE_USER

PROJECT, NAME, BUCKET, SECRET = "bench", "exchange", "bench-mail", "exchange-svc"
MAIL_CLASS = "IPF.Note"


def local_runtime(work: Path, endpoint: str, mailbox: str, page_size: int = 100) -> Any:
    """A local-mode runtime (commsync.local_mode.LocalRuntime) with one EWS mailbox."""
    from commsync.local_config import LocalConfig, LocalIntegration, LocalMailbox
    from commsync.local_mode import apply_config, open_local
    from commsync.models import SourceKind

    secrets = work / "secrets.toml"
    escaped = SERVICE_USER.replace("\\", "\\\\")
    secrets.write_text(f'[{SECRET}]\nusername = "{escaped}"\npassword = "{SERVICE_PASSWORD}"\n')
    config = LocalConfig(
        store=work / "store",
        secrets_file=secrets,
        page_size=page_size,
        integrations=[
            LocalIntegration(
                project=PROJECT,
                name=NAME,
                kind=SourceKind.EWS,
                endpoint=endpoint,
                bucket=BUCKET,
                secret=SECRET,
                options={"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
                mailboxes=[LocalMailbox(address=mailbox)],
            )
        ],
    )
    runtime = open_local(config)
    apply_config(runtime)
    return runtime


def plain_account(endpoint: str, mailbox: str, fixed: bool) -> tuple[Any, Callable[[], None]]:
    """(exchangelib Account, close). `fixed`: with commsync's 64 KB read fix; else stock exchangelib."""
    if fixed:
        from pydantic import SecretStr

        from commsync.models import Integration, SourceKind
        from commsync.sources.ews.connect import connect

        integration = Integration(
            project=PROJECT,
            name=NAME,
            kind=SourceKind.EWS,
            endpoint=endpoint,
            bucket=BUCKET,
            secret=SECRET,
            options={"auth": "ntlm", "access": "impersonation", "allow_insecure_loopback": True},
        )
        secret = {"username": SecretStr(SERVICE_USER), "password": SecretStr(SERVICE_PASSWORD)}
        connection = connect(integration, mailbox, secret, lambda: 300.0)
        return connection.account, connection.close
    from exchangelib import IMPERSONATION, NTLM, Account, Build, Configuration, Credentials, Version
    from exchangelib.protocol import CachingProtocol

    config = Configuration(
        service_endpoint=endpoint,
        credentials=Credentials(SERVICE_USER, SERVICE_PASSWORD),
        auth_type=NTLM,
        version=Version(build=Build(15, 1, 0)),
    )
    account = Account(mailbox, config=config, autodiscover=False, access_type=IMPERSONATION)
    return account, CachingProtocol.clear_cache


def mail_folders(account: Any) -> list[Any]:
    """Every mail folder under the message folder root (FindFolder, Deep), as users list them."""
    return [
        folder
        for folder in account.msg_folder_root.walk()
        if (folder.folder_class or "") == MAIL_CLASS
        or (folder.folder_class or "").startswith(MAIL_CLASS + ".")
    ]


class ResponseBytes:
    """The bytes an EWS source's connection received (each response's Content-Length), by wrapping
    the HTTP adapter commsync mounts on each exchangelib session (ours, not the library's)."""

    def __init__(self) -> None:
        self.total = 0

    @classmethod
    def count(cls, source: Any) -> ResponseBytes:
        """Start counting on a just-opened EwsSource, before its first request makes a session."""
        counter = cls()
        protocol = source._connection.protocol
        make_adapter = protocol.adapter_factory

        def counting_adapter() -> Any:
            adapter = make_adapter()
            build = adapter.build_response

            def build_response(request: Any, raw: Any) -> Any:
                response = build(request, raw)
                counter.total += int(response.headers.get("Content-Length") or 0)
                return response

            adapter.build_response = build_response
            return adapter

        protocol.adapter_factory = counting_adapter
        return counter

    def take(self) -> int:
        """Bytes since the last take()."""
        total, self.total = self.total, 0
        return total
