"""Filters and folder selection (issue 10): every key and nested AND / OR, pushed down to Graph's
$filter where it can be, select exactly what a brute-force reading of the definition selects over
the same mailbox, through Graph and through EWS; an on-demand sync leaves the scheduled
sync's checkpoints alone."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from commsync.cleaning.build import Origin, clean
from commsync.filters import EmailFacts, facts_of, matches
from commsync.local_mode import drain
from commsync.models import MailboxRef, PollJob
from commsync.models.filters import SyncFilter
from commsync.models.job import JobReason
from commsync.ports import ChangePage, FolderRef
from commsync.services.poll import PollStatus
from commsync.sources.graph import GraphSource
from emulators.ews import EwsEmulator
from emulators.tls import self_signed
from tests.integration.test_graph_support import ANN, KEY, GraphWorld, graph_world, write_corpus
from tests.support.ews import KEY as EWS_KEY
from tests.support.ews import SERVICE_PASSWORD, SERVICE_USER, ews_world

pytestmark = pytest.mark.integration
RULE: TypeAdapter[SyncFilter] = TypeAdapter(SyncFilter)
NOW = datetime(2024, 4, 1, tzinfo=UTC)


def brute_force(rule: dict[str, Any], raw: bytes) -> bool:
    """The definition read literally over the MIME (independent of commsync.filters)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if "AND" in rule:
        return all(brute_force(r, raw) for r in rule["AND"])
    if "OR" in rule:
        return any(brute_force(r, raw) for r in rule["OR"])
    ((key, raw_value),) = rule.items()
    value = str(raw_value)
    received = parsedate_to_datetime(str(msg["Date"])).astimezone(UTC)  # the emulators receive at Date
    sender = parseaddr(str(msg["From"]))[1].lower()
    if key == "category":
        return value.lower() in {c.strip().lower() for c in str(msg.get("Keywords", "")).split(",")}
    if key in ("after", "before"):
        day = datetime.strptime(value, "%Y/%m/%d").replace(tzinfo=UTC)
        return received >= day if key == "after" else received < day
    if key == "from":
        return (
            sender == value.lower()
            if not value.startswith("@") and "@" in value
            else (sender.split("@")[1] == value.lower().lstrip("@"))
        )
    return any(part.get_content_disposition() == "attachment" for part in msg.walk())


TERMS = st.one_of(
    st.sampled_from(["Customer", "invoice", "Urgent", "Partner", "Nobody"]).map(lambda v: {"category": v}),
    st.dates(datetime(2024, 2, 28).date(), datetime(2024, 3, 14).date()).map(
        lambda d: {"after": d.strftime("%Y/%m/%d")}
    ),
    st.dates(datetime(2024, 2, 28).date(), datetime(2024, 3, 14).date()).map(
        lambda d: {"before": d.strftime("%Y/%m/%d")}
    ),
    st.sampled_from(
        [
            "carol@fabrikam.example",
            "DAN@northwind.example",
            "northwind.example",
            "@tailspin.example",
            "x@y.example",
        ]
    ).map(lambda v: {"from": v}),
    st.just({"has": "attachment"}),
)
RULES = st.recursive(
    TERMS,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda r: {"AND": r}),
        st.lists(inner, min_size=1, max_size=3).map(lambda r: {"OR": r}),
    ),
    max_leaves=5,
)


@dataclass
class Mailbox:
    world: GraphWorld
    source: GraphSource
    folders: dict[str, FolderRef]
    files: dict[str, bytes]
    whole: dict[str, list[tuple[str, EmailFacts]]] = field(default_factory=dict)

    def expected(self, rule: dict[str, Any], folder: str) -> set[str]:
        return {
            _comment_id(raw)
            for path, raw in self.files.items()
            if path.rsplit("/", 1)[0] == folder and brute_force(rule, raw)
        }

    def selected(self, rule: dict[str, Any], folder: str, pushdown: bool) -> set[str]:
        """What the poller keeps: the source's pages (pushed down, or the whole folder), then the
        definition. The whole folder does not depend on the rule: it is read once per folder."""
        parsed = RULE.validate_python(rule)
        ref = self.folders[folder]
        if pushdown:
            read = _facts(self.source.select(ref, parsed, None, 50), folder)
        else:
            if folder not in self.whole:
                self.whole[folder] = _facts(self.source.changes(ref, None, 50), folder)
            read = self.whole[folder]
        return {comment_id for comment_id, facts in read if matches(parsed, facts)}


def _facts(pages: Iterator[ChangePage], folder: str) -> list[tuple[str, EmailFacts]]:
    out = []
    for page in pages:
        for change in page.changes:
            origin = Origin(
                integration=KEY,
                kind="graph",
                bucket="b",
                mailbox=ANN,
                folder=folder,
                received_at=change.received_at,
            )
            cleaned = clean(change.mime or b"", origin, NOW)
            out.append((cleaned.comment.id, facts_of(cleaned, change.received_at)))
    return out


def _comment_id(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return str(msg["Message-ID"]).strip().encode().hex()


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mailbox]:
    tmp = tmp_path_factory.mktemp("graph-filters")
    files = write_corpus(tmp / "data", count=40)
    with graph_world(tmp, tmp / "data", self_signed(tmp / "tls")) as world:
        engine = world.runtime.engine
        integration = engine.state.get_integration(KEY)
        found = engine.state.get_mailbox(MailboxRef(integration=KEY, address=ANN))
        assert integration is not None and found is not None
        source = GraphSource.open(integration, found[0], engine.secrets, lambda: 60.0)
        folders = {f.path: f for f in source.folders(None).folders}
        try:
            yield Mailbox(world, source, folders, files)
        finally:
            source.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=RULES, folder=st.sampled_from(["Inbox", "Archive", "Sent Items"]))
def test_pushdown_and_local_evaluation_select_what_the_definition_says(
    mailbox: Mailbox, rule: dict[str, Any], folder: str
) -> None:
    # GIVEN any nesting of filter keys; WHEN evaluated with Graph's $filter narrowing the listing,
    # and without; THEN both select exactly the brute-force reading of the definition
    expected = mailbox.expected(rule, folder)
    assert mailbox.selected(rule, folder, pushdown=True) == expected
    assert mailbox.selected(rule, folder, pushdown=False) == expected


def test_a_pushed_down_filter_fetches_only_the_matching_emails(mailbox: Mailbox) -> None:
    rule = {"AND": [{"category": "Customer"}, {"after": "2024/03/05"}]}
    expected = mailbox.expected(rule, "Inbox")
    mailbox.world.emulator.stats.reset()
    assert mailbox.selected(rule, "Inbox", pushdown=True) == expected
    assert 0 < len(expected) == mailbox.world.emulator.stats["op:message.$value"]


def test_an_on_demand_sync_writes_only_the_selected_folder_and_filter(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "data", count=30)
    rule = {"OR": [{"has": "attachment"}, {"AND": [{"category": "Customer"}, {"from": "northwind.example"}]}]}
    with graph_world(tmp_path, tmp_path / "data", self_signed(tmp_path / "tls")) as world:
        # GIVEN an on-demand request for Archive with a filter (as the API queues it)
        job = PollJob(
            mailbox=MailboxRef(integration=KEY, address=ANN),
            reason=JobReason.MANUAL,
            enqueued_at=NOW,
            folder="archive",
            filters=RULE.validate_python(rule),
        )
        outcome = world.run(job)[f"{KEY}#{ANN}"]
        # THEN exactly the matching Archive emails became comments
        expected = {
            _comment_id(raw)
            for path, raw in files.items()
            if path.startswith("Archive/") and brute_force(rule, raw)
        }
        assert outcome.status is PollStatus.DONE, outcome.error
        assert 0 < len(expected) < 6
        assert set(world.comments()) == expected
        assert outcome.counts.filtered == 6 - len(expected)
        # AND the scheduled sync still gets every email: no folder checkpoint moved
        assert world.sync().counts.created == 30 - len(expected)


def test_an_on_demand_sync_without_a_folder_reads_the_inbox_through_ews_too(tmp_path: Path) -> None:
    files = write_corpus(tmp_path / "data", count=30)
    rule = {"AND": [{"from": "@northwind.example"}, {"before": "2024/03/10"}]}
    emulator = EwsEmulator.from_directory(tmp_path / "data", users={SERVICE_USER: SERVICE_PASSWORD})
    with ews_world(tmp_path, emulator, [ANN]) as world:
        job = PollJob(
            mailbox=MailboxRef(integration=EWS_KEY, address=ANN),
            reason=JobReason.MANUAL,
            enqueued_at=NOW,
            filters=RULE.validate_python(rule),
        )
        world.runtime.engine.queue.send([job])
        outcome = drain(world.runtime)[f"{EWS_KEY}#{ANN}"]
        expected = {
            _comment_id(raw)
            for path, raw in files.items()
            if path.rsplit("/", 1)[0] == "Inbox" and brute_force(rule, raw)
        }
        assert outcome.status is PollStatus.DONE, outcome.error
        assert expected and set(world.comments()) == expected
