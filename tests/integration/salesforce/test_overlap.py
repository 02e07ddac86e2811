"""The overlap window (issue 11): a record whose transaction commits after a poll passed its
SystemModstamp is still synced, and re-reading the window never hands a record out twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from commsync.adapters.local.file_secrets import FileSecrets
from commsync.local_mode import run_once
from commsync.models.usage import usage_period
from commsync.services.poll import PollStatus
from commsync.sources.salesforce.checkpoint import Floor, Mark
from emulators.salesforce import SalesforceEmulator
from tests.integration.salesforce.support import T0, Synced, open_source, seed_org, sync
from tests.integration.salesforce.world import World, connect

pytestmark = pytest.mark.integration


def _upserts(synced: Synced) -> list[str]:
    return [c.item_key for c in synced.changes if c.kind == "upsert"]


@pytest.mark.parametrize(("overlap_seconds", "synced_late"), [(300, True), (0, False)])
def test_a_record_committed_behind_the_checkpoint_is_synced_within_the_overlap(
    emu: SalesforceEmulator, secrets: FileSecrets, overlap_seconds: int, synced_late: bool
) -> None:
    # GIVEN a nightly import whose transaction started at 09:30 and saved a case, not yet committed
    job = emu.begin(at=T0)
    late = job.put("Case", {"Subject": "Imported: order 7781 never arrived", "Origin": "Web"})
    # AND an agent's case saved two minutes later, which a poll synced
    quick = emu.put("Case", {"Subject": "Printer on fire"}, at=T0 + timedelta(minutes=2))
    first = sync(open_source(emu, secrets, "Case", overlap_seconds=overlap_seconds), None)
    assert _upserts(first) == [quick]

    # WHEN the import commits (its case stamped 09:30, before the checkpoint) and the next poll runs
    job.commit()
    second = sync(open_source(emu, secrets, "Case", overlap_seconds=overlap_seconds), first.token)

    # THEN with the overlap it is synced; without one (the old behaviour) it is lost for good
    assert _upserts(second) == ([late] if synced_late else [])


def test_a_late_commit_at_the_checkpoints_own_timestamp_and_a_smaller_id_is_synced(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN a transaction that got its id and its stamp first, and a case committed at the same stamp
    job = emu.begin(at=T0)
    late = job.put("Case", {"Subject": "Bulk-loaded case"})
    quick = emu.put("Case", {"Subject": "Same second, committed first"}, at=T0)
    first = sync(open_source(emu, secrets, "Case"), None)

    # WHEN the transaction commits
    job.commit()
    second = sync(open_source(emu, secrets, "Case"), first.token)

    # THEN the record before the checkpoint in (SystemModstamp, Id) order is synced after all
    assert late < quick and _upserts(first) == [quick]
    assert _upserts(second) == [late]


def test_the_window_remembers_whole_timestamps_up_to_its_bound_and_repeats_nothing(
    emu: SalesforceEmulator, secrets: FileSecrets
) -> None:
    # GIVEN twelve cases saved within 45 seconds (three per timestamp), more than the window may
    # remember (five)
    created = [
        emu.put("Case", {"Subject": f"Case {n}"}, at=T0 + timedelta(seconds=15 * (n // 3))) for n in range(12)
    ]
    source = open_source(emu, secrets, "Case")
    source.max_seen = 5

    # WHEN it syncs, and then polls again
    first = sync(source, None)
    again = sync(open_source(emu, secrets, "Case"), first.token)

    # THEN the token keeps the newest whole timestamp only (a second one would make six) and the
    # floor sits just above the timestamp it dropped
    mark = Mark.decode(first.token, None)
    assert set(mark.seen) == set(created[9:])
    assert mark.floor == Floor(T0 + timedelta(seconds=30), open=True)
    # AND the poll that re-read the window handed nothing out again
    assert _upserts(first) == created and _upserts(again) == []


def test_a_late_commit_is_one_comment_and_re_reading_the_window_costs_no_ai_unit(world: World) -> None:
    # GIVEN a connected org, synced once (its last case stamped 09:50)
    seed_org(world.emu)
    connect(world)
    assert {o.status for o in run_once(world.local.runtime).values()} == {PollStatus.DONE}
    state = world.local.runtime.engine.state
    units = state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units

    # WHEN a transaction that started at 09:48 commits a case, and local mode polls twice
    job = world.emu.begin(at=T0 + timedelta(minutes=18))
    late = job.put(
        "Case", {"Subject": "Duplicate charge on INV-2402", "SuppliedEmail": "buyer2@contoso.example"}
    )
    job.commit()
    caught = run_once(world.local.runtime)
    re_read = run_once(world.local.runtime)

    # THEN the late case became one comment, charged once; the second poll re-read the window and
    # handed nothing to the poller
    comments = world.comments().values()
    assert [c["user_properties"]["string:Salesforce Id"] for c in comments].count(late) == 1
    assert len(comments) == 10
    assert sum(o.counts.created for o in caught.values()) == 1
    assert [(o.counts.created, o.counts.unchanged) for o in re_read.values()] == [(0, 0), (0, 0)]
    assert state.get_usage("acme", usage_period(datetime.now(UTC))).ai_units == units + 1
