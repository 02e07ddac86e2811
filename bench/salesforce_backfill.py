"""Salesforce backfill, REST vs Bulk API 2.0 (issue 19): records per second and API calls per
10,000 records for a first sync of Case records, through the source as the poller reads it
(query, map to MIME and properties), against the Salesforce emulator over loopback.

REST: one query, then `nextRecordsUrl` per 2,000 records (`query_batch_size`). Bulk: one
`SELECT COUNT()`, one query job, its status read until complete, then its CSV results per
`Sforce-Locator` chunk of 10,000 records. Before issue 19 the REST batch followed the poller's
page size (200 records for the default 100): that figure is printed beside them as `rest_200`.
The emulator runs in this process (it answers in microseconds where Salesforce answers in tens
of milliseconds), so the call counts carry over to an org and the rates are an upper bound.

Run: `.venv/bin/python -m bench.salesforce_backfill [--repeats R]`; BENCH_SF_RECORDS sets the
size (default BENCH_EMAILS, else 10,000).
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import Scenario, command_line, finish, measured, median, parser
from commsync.adapters.local.file_secrets import FileSecrets
from commsync.models import Integration, Mailbox, SourceKind
from commsync.sources.salesforce import SalesforceSource
from commsync.sources.salesforce.describe_cache import DescribeCache
from commsync.sources.salesforce.session_cache import SessionCache
from emulators.salesforce import SalesforceEmulator

MODULE = "bench.salesforce_backfill"
APP, APP_SECRET = "3MVG9bench.commsync", "bench-consumer-secret"  # emulator-only credential
USER, PASSWORD = "bench@acme.example", "Bench-Sync-2024!"  # emulator-only credential
SECRET_NAME = "bench-salesforce"  # noqa: S105  (the secret's name, not its value)
T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
PROPERTIES = "Case.Status, Case.Priority, Case.Origin, Case.CaseNumber, Case.IsClosed"
MODES: dict[str, dict[str, str | int | bool]] = {
    "rest": {"bulk_above_records": 0, "query_batch_size": 2000},
    "rest_200": {"bulk_above_records": 0, "query_batch_size": 200},
    "bulk": {"bulk_above_records": 1, "query_batch_size": 2000},
}


def main() -> None:
    args = parser(__doc__.splitlines()[0] if __doc__ else MODULE).parse_args()
    records = int(os.environ.get("BENCH_SF_RECORDS", os.environ.get("BENCH_EMAILS", "10000")))
    scenario = Scenario("salesforce_backfill", command_line(MODULE, ["--repeats", str(args.repeats)]))
    emu = SalesforceEmulator()
    emu.add_user(USER, PASSWORD)
    emu.add_app(APP, APP_SECRET, [])
    _seed(emu, records)
    with emu.serving(), tempfile.TemporaryDirectory(prefix="bench-sf-") as tmp:
        secrets = FileSecrets(Path(tmp) / "secrets.toml", {})
        secrets.put(
            SECRET_NAME, {"client_secret": APP_SECRET, "refresh_token": emu.refresh_token_for(USER, APP)}
        )
        for mode, options in MODES.items():
            rates, calls = [], 0
            for _ in range(args.repeats):
                emu.stats.reset()
                with measured() as clock:
                    read = _backfill(emu, secrets, options)
                assert read == records, (mode, read, records)
                rates.append(records / clock.wall)
                calls = emu.stats["api_calls"]
            scenario.add(f"{mode}_records_per_s", median(rates))
            scenario.add(f"{mode}_api_calls", calls)
            scenario.add(f"{mode}_api_calls_per_10k_records", calls * 10_000 / records)
    scenario.add("records", records)
    scenario.add(
        "bulk_vs_rest_speed", scenario.figure("bulk_records_per_s") / scenario.figure("rest_records_per_s")
    )
    scenario.notes.append(
        "api calls include the session's describe; bulk adds a COUNT(), the job and its status reads "
        "(the status is read again after 0.5 s while the job runs)"
    )
    finish(scenario, args.emit)


def _seed(emu: SalesforceEmulator, count: int) -> None:
    for n in range(count):
        emu.put(
            "Case",
            {
                "Subject": f"Order {10_000 + n}: pallet damaged in transit",
                "Description": f"Pallet {n} of order {10_000 + n} arrived crushed.\nPhotos follow.",
                "Status": ("New", "Working", "Escalated")[n % 3],
                "Priority": ("Low", "Medium", "High")[n % 3],
                "Origin": "Email",
                "SuppliedEmail": f"buyer{n % 500}@contoso.example",
                "IsClosed": n % 7 == 0,
            },
            at=T0 + timedelta(seconds=n // 4),
        )


def _backfill(emu: SalesforceEmulator, secrets: FileSecrets, options: dict[str, Any]) -> int:
    assert emu.url is not None
    integration = Integration(
        project="acme",
        name="crm",
        kind=SourceKind.SALESFORCE,
        endpoint=emu.url,
        bucket="acme-cases",
        secret=SECRET_NAME,
        options={
            "client_id": APP,
            "login_url": emu.url,
            "allow_insecure_loopback": True,
            "from_fields": "Case.SuppliedEmail",
            "property_fields": PROPERTIES,
            **options,
        },
    )
    # Fresh caches: each run pays its session and describe, as a first sync does.
    source = SalesforceSource.open(
        integration,
        Mailbox(integration="acme/crm", address="Case"),
        secrets,
        lambda: 600.0,
        sessions=SessionCache(),
        describes=DescribeCache(),
    )
    (folder,) = source.folders(None).folders
    read = sum(
        len([c for c in page.changes if c.kind == "upsert"]) for page in source.changes(folder, None, 100)
    )
    source.close()
    return read


if __name__ == "__main__":
    main()
