"""Local mode's API: `commsync serve` = the API server plus, unless told otherwise, the sync loop.

The API and the loop share the blob directory, the queue (so an on-demand sync is picked up at
the next tick) and the secrets file, but not the SQLite connection: each has its own, and
SQLite's WAL journal lets them read while the other writes.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field

from commsync.adapters.local.sqlite_state import SqliteState
from commsync.api.app import build_app
from commsync.api.auth import TokenTable
from commsync.api.context import ApiContext, OAuthPages
from commsync.api.links import LocalLinks
from commsync.api.serve import ApiServer
from commsync.local_config import LocalConfig
from commsync.local_mode import LocalRuntime, apply_config, open_local, run_forever
from commsync.loop_health import LoopHealth


@dataclass
class LocalApi:
    server: ApiServer
    runtime: LocalRuntime
    api_state: SqliteState
    # Integration key -> its config file; the API's own dict (api/managed.py), so what is added
    # here is refused at once.
    managed: dict[str, str] = field(default_factory=dict)
    health: LoopHealth = field(default_factory=LoopHealth)
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def start(self, sync: bool = True, tick_seconds: float = 1.0) -> None:
        """Serve (and sync) on background threads; `close` stops both."""
        self.threads.append(threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}))
        if sync:
            loop = threading.Thread(
                target=run_forever,
                args=(self.runtime, self.stop),
                kwargs={"tick_seconds": tick_seconds, "health": self.health},
                name="commsync-sync-loop",
            )
            self.health.expected, self.health.thread = True, loop
            self.threads.append(loop)
        for thread in self.threads:
            thread.daemon = True
            thread.start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        for thread in self.threads:
            thread.join(timeout=30)
        self.api_state.close()
        self.runtime.close()


def open_local_api(
    config: LocalConfig, port: int | None = None, host: str | None = None, config_file: str | None = None
) -> LocalApi:
    """`config_file`: where `config` was read from; its integrations are then managed by it
    (edits through the API are refused, api/managed.py)."""
    runtime = open_local(config)
    apply_config(runtime)
    api_state = SqliteState(config.store / "state.sqlite3")
    engine = dataclasses.replace(runtime.engine, state=api_state)
    server = ApiServer(config.api.port if port is None else port, host or config.api.host)
    base_url = (config.api.base_url or server.url).rstrip("/")
    links = LocalLinks(config.store, base_url)
    managed = {i.key: config_file for i in config.integrations} if config_file else {}
    server.links = links
    health = LoopHealth()
    context = ApiContext(
        engine_factory=lambda: engine,
        authenticate=TokenTable(config.api.tokens),
        links=links,
        oauth=OAuthPages(return_pages=config.api.oauth_return_pages, base_url=base_url),
        managed=managed,
        health=health.problem,
    )
    server.authenticate = context.authenticate
    server.app_factory = lambda: build_app(context)
    return LocalApi(server=server, runtime=runtime, api_state=api_state, managed=managed, health=health)
