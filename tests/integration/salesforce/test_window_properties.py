"""The read loop and the overlap window under random histories (hypothesis): records saved at
random stamps (many equal), some committed late, polls cut after a random number of pages, small
query limits and a small bound on the window. The SOQL the source writes runs on the emulator's
own parser and store in-process, so thousands of polls take a second."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsync.models.salesforce import SalesforceOptions
from commsync.sources.salesforce.checkpoint import Mark
from commsync.sources.salesforce.client import RestClient
from commsync.sources.salesforce.plan import plan_for
from commsync.sources.salesforce.records import changed_records
from commsync.sources.salesforce.schema import ObjectSchema
from commsync.sources.salesforce.window import Tracker
from emulators.salesforce import query, soql
from emulators.salesforce.config import OrgConfig
from emulators.salesforce.ids import IdFactory
from emulators.salesforce.store import Org

pytestmark = pytest.mark.integration
T0 = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
OVERLAP = timedelta(seconds=60)


class InProcessOrg:
    """What the read loop needs of RestClient, answered by the emulator's SOQL over its store."""

    def __init__(self) -> None:
        self.org = Org(OrgConfig(name="Acme"), IdFactory(), lambda: T0)
        table = self.org.table("Case")
        assert table is not None
        self.obj = table.obj

    def query_batches(self, text: str, batch_size: int) -> Any:
        bound = query.bind(soql.parse(text), self.obj, self.org.object_def)
        rows = query.run(bound, self.org.records("Case"))
        wire = [query.project(self.obj, bound.fields, r, "60.0", self.org.find) for r in rows]
        for start in range(0, max(len(wire), 1), batch_size):
            yield wire[start : start + batch_size]


PLAN = plan_for(
    ObjectSchema.from_describe(InProcessOrg().obj.describe("60.0")),
    SalesforceOptions(client_id="3MVG9"),
    lambda name: ObjectSchema.from_describe({"name": name}),
)

# A step: save a record `seconds` after the newest stamp (0: the same stamp), or `seconds` before the
# checkpoint (a late commit, within the overlap); or poll, taking at most `pages` pages.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("save"), st.integers(0, 3)),
        st.tuples(st.just("late"), st.integers(0, int(OVERLAP.total_seconds()))),
        st.tuples(st.just("poll"), st.integers(1, 4)),
    ),
    max_size=60,
)


def _poll(
    org: InProcessOrg, token: str | None, pages: int | None, limit: int, max_seen: int
) -> tuple[list[tuple[str, str]], str | None]:
    tracker = Tracker(Mark.decode(token, None), OVERLAP, max_seen)
    client = cast(RestClient, org)
    handed: list[tuple[str, str]] = []
    for taken, (records, mark) in enumerate(changed_records(client, PLAN, tracker, 2, limit), start=1):
        handed += [(str(r["Id"]), str(r["SystemModstamp"])) for r in records]
        token = mark.encode()
        if pages is not None and taken >= pages:
            break
    return handed, token


@settings(max_examples=150, deadline=None)
@given(history=steps, limit=st.integers(2, 6), max_seen=st.sampled_from([3, 1000]))
def test_every_record_is_handed_out_exactly_once_whatever_the_history(
    history: list[tuple[str, int]], limit: int, max_seen: int
) -> None:
    org, token, newest, handed = InProcessOrg(), None, T0, Counter[tuple[str, str]]()
    missable: set[str] = set()
    for kind, amount in history:
        if kind == "save":
            newest += timedelta(seconds=amount)
            org.org.put("Case", {"Subject": "s"}, newest)
        elif kind == "late":
            mark = Mark.decode(token, None)
            stamp = (mark.ts or newest) - timedelta(seconds=amount)
            record_id = org.org.put("Case", {"Subject": "l"}, stamp)
            if mark.floor is not None and not mark.floor.covers(stamp):
                missable.add(record_id)  # below the window's floor when it became visible
        else:
            got, token = _poll(org, token, amount, limit, max_seen)
            handed.update(got)
    got, token = _poll(org, token, None, limit, max_seen)
    handed.update(got)

    # Nothing twice, ever; and everything but a late commit that landed below the window's floor
    # (which only a full window, a bound of three here, raises above `overlap` before the mark).
    assert max(handed.values(), default=1) == 1
    expected = {r["Id"] for r in org.org.records("Case")} - missable
    assert expected <= {record_id for record_id, _ in handed}
    if max_seen == 1000:
        assert not missable
