"""One contract, two state stores: SQLite (local mode) and DynamoDB (the template's table on moto)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commsync.adapters.aws.dynamodb_state import DynamoState
from commsync.adapters.local.sqlite_state import SqliteState
from commsync.errors import DisableReason
from commsync.models import Checkpoint, Integration, Mailbox, MailboxRef, SourceKind
from commsync.models.access import ApiToken, Permission, token_sha256
from commsync.models.integration import Disabled
from commsync.models.oauth import OAuthProvider, OAuthState
from commsync.models.subscription import Subscription, SubscriptionProtocol
from commsync.ports import CommentEntry, ScheduleEntry, StateStore
from tests.e2e.conftest import AwsStack

pytestmark = pytest.mark.e2e
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "dynamodb"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    if request.param == "sqlite":
        store = SqliteState(tmp_path / "state.sqlite3")
        yield store
        store.close()
    else:
        stack: AwsStack = request.getfixturevalue("aws_stack")
        yield DynamoState(stack.outputs["StateTableName"])


@pytest.fixture
def project() -> str:
    # The DynamoDB table is shared by the session: every test works in a project of its own.
    return f"p{uuid.uuid4().hex[:10]}"


def _integration(project: str, name: str = "mail") -> Integration:
    return Integration(project=project, name=name, kind=SourceKind.EML, endpoint="/exports", bucket=project)


def test_integrations_round_trip_and_disable(state: StateStore, project: str) -> None:
    state.put_integration(_integration(project, "b"))
    state.put_integration(_integration(project, "a"))

    state.set_integration_disabled(
        f"{project}/a", Disabled(reason=DisableReason.QUOTA, at=NOW, error="100 units")
    )

    mine = [i for i in state.list_integrations() if i.project == project]
    assert [i.name for i in mine] == ["a", "b"]
    stored = state.get_integration(f"{project}/a")
    assert stored is not None and stored.disabled is not None and stored.disabled.reason == "quota"
    assert state.get_integration(f"{project}/missing") is None


def _listed(state: StateStore, integration: str) -> dict[str, ScheduleEntry]:
    return {e.ref.address: e for e in state.schedule_listing() if e.ref.integration == integration}


def test_new_mailboxes_are_due_at_once_and_keep_their_state_when_reconfigured(
    state: StateStore, project: str
) -> None:
    key = f"{project}/mail"
    state.put_mailbox(Mailbox(integration=key, address="a@x.example", poll_interval_seconds=60))
    ref = MailboxRef(integration=key, address="a@x.example")
    found = state.get_mailbox(ref)
    assert found is not None
    state.save_mailbox_state(ref, found[1].model_copy(update={"last_sync_at": NOW}))

    state.put_mailbox(Mailbox(integration=key, address="a@x.example", poll_interval_seconds=120))

    again = state.get_mailbox(ref)
    assert again is not None
    assert again[0].poll_interval_seconds == 120 and again[1].last_sync_at == NOW
    entry = _listed(state, key)[ref.address]
    assert entry.interval_seconds == 120 and entry.poll_at is not None and entry.poll_at <= NOW


def test_the_schedule_lists_enabled_mailboxes_and_their_one_off_polls(
    state: StateStore, project: str
) -> None:
    # GIVEN three mailboxes: one asked to poll 5 minutes ago, one in 5 minutes, one disabled
    key = f"{project}/mail"
    refs = [MailboxRef(integration=key, address=f"m{n}@x.example") for n in range(3)]
    for ref in refs:
        state.put_mailbox(Mailbox(integration=key, address=ref.address))
    state.schedule_poll(refs[0], NOW - timedelta(minutes=5))
    state.schedule_poll(refs[1], NOW + timedelta(minutes=5))
    found = state.get_mailbox(refs[2])
    assert found is not None
    disabled = Disabled(reason=DisableReason.SYNC_ERROR, at=NOW)
    state.save_mailbox_state(refs[2], found[1].model_copy(update={"disabled": disabled, "next_poll_at": NOW}))

    # WHEN the first one-off poll is cleared as sent, and the second cleared for a time it is not
    state.clear_poll_at(refs[0], NOW - timedelta(minutes=5))
    state.clear_poll_at(refs[1], NOW)

    # THEN the disabled one is not listed, the first has no one-off poll left, the second still has
    listed = _listed(state, key)
    assert sorted(listed) == [r.address for r in refs[:2]]
    assert listed[refs[0].address].poll_at is None
    assert listed[refs[1].address].poll_at == NOW + timedelta(minutes=5)


def test_a_state_saved_against_an_old_revision_is_refused_whole(state: StateStore, project: str) -> None:
    # GIVEN a mailbox whose state two writers read at the same revision
    key = f"{project}/mail"
    state.put_integration(_integration(project))
    state.put_mailbox(Mailbox(integration=key, address="v@x.example"))
    ref = MailboxRef(integration=key, address="v@x.example")
    read = state.get_mailbox(ref)
    assert read is not None and read[1].revision == 0
    stop = Disabled(reason=DisableReason.USER, at=NOW)

    # WHEN the first saves (the user stops it) and the second then saves what it computed
    assert state.save_mailbox_state(ref, read[1].model_copy(update={"disabled": stop}), expected_revision=0)
    late = state.save_mailbox_state(ref, read[1].model_copy(update={"failures": 3}), expected_revision=0)

    # THEN the second is refused and the first's write stands, at the next revision
    after = state.get_mailbox(ref)
    assert late is False and after is not None
    assert (after[1].disabled, after[1].failures, after[1].revision) == (stop, 0, 1)
    # AND an unconditional save (an operator's overwrite) still moves the revision on
    assert state.save_mailbox_state(ref, after[1].model_copy(update={"disabled": None}))
    again = state.get_mailbox(ref)
    assert again is not None and again[1].revision == 2 and again[1].enabled


def _checkpoint(ref: MailboxRef, folder: str, token: str, revision: int = 0) -> Checkpoint:
    return Checkpoint(
        integration=ref.integration,
        mailbox=ref.address,
        folder_id=folder,
        folder_path=folder,
        token=token,
        updated_at=NOW,
        revision=revision,
    )


def _write_checkpoint(state: StateStore, ref: MailboxRef, folder: str, token: str) -> None:
    """As a poller does: from the revision it read."""
    stored = state.get_checkpoint(ref, folder)
    assert state.put_checkpoint(_checkpoint(ref, folder, token, stored.revision if stored else 0))


def test_checkpoints_are_per_mailbox_and_folder(state: StateStore, project: str) -> None:
    ref = MailboxRef(integration=f"{project}/mail", address="a@x.example")
    for folder, token in (("Inbox", "s1"), ("Archive", "s2"), ("Inbox", "s3")):
        _write_checkpoint(state, ref, folder, token)

    inbox = state.get_checkpoint(ref, "Inbox")
    assert inbox is not None and inbox.token == "s3" and inbox.revision == 2
    assert (
        state.get_checkpoint(MailboxRef(integration=ref.integration, address="b@x.example"), "Inbox") is None
    )


def test_of_two_writers_from_the_same_revision_only_the_first_moves_a_checkpoint(
    state: StateStore, project: str
) -> None:
    # GIVEN two pollers that read the same checkpoint (none yet, then revision 1)
    ref = MailboxRef(integration=f"{project}/mail", address="l@x.example")
    assert state.put_checkpoint(_checkpoint(ref, "Inbox", "one-1"))
    refused_first = state.put_checkpoint(_checkpoint(ref, "Inbox", "two-1"))

    # WHEN one writes from revision 1 and two, back from a stall, also writes from revision 1
    assert state.put_checkpoint(_checkpoint(ref, "Inbox", "one-2", revision=1))
    late = state.put_checkpoint(_checkpoint(ref, "Inbox", "two-2", revision=1))

    # THEN both of two's writes were refused whole: the checkpoint is one's, at revision 2
    stored = state.get_checkpoint(ref, "Inbox")
    assert refused_first is False and late is False
    assert stored is not None and (stored.token, stored.revision) == ("one-2", 2)


def test_a_mailbox_loads_with_every_checkpoint_and_nothing_of_its_neighbours(
    state: StateStore, project: str
) -> None:
    # GIVEN two mailboxes whose addresses share a prefix, each with checkpoints
    key = f"{project}/mail"
    short, long = (MailboxRef(integration=key, address=a) for a in ("a@x.co", "a@x.com"))
    for ref in (short, long):
        state.put_mailbox(Mailbox(integration=key, address=ref.address))
        for folder in ("Inbox", "#folders", "Archive/2023"):
            _write_checkpoint(state, ref, folder, f"{ref.address}-{folder}")

    # WHEN the shorter one is loaded
    snapshot = state.load_mailbox(short)

    # THEN it has its row and its own three checkpoints with their revisions, no one else's
    assert snapshot is not None and snapshot.mailbox.address == "a@x.co"
    assert {f: c.token for f, c in snapshot.checkpoints.items()} == {
        f: f"a@x.co-{f}" for f in ("Inbox", "#folders", "Archive/2023")
    }
    assert {c.revision for c in snapshot.checkpoints.values()} == {1}
    assert state.load_mailbox(MailboxRef(integration=key, address="b@x.co")) is None
    # AND the integration's mailbox listing is of mailboxes only
    assert [m.address for m, _ in state.list_mailboxes(key)] == ["a@x.co", "a@x.com"]


def test_a_comment_entry_is_created_once_and_charged_once(state: StateStore, project: str) -> None:
    entry = CommentEntry(
        bucket=project,
        comment_id="3c613e",
        text_hash="h",
        integration=f"{project}/mail",
        mailbox="a@x.example",
        folder="Inbox",
        created_at=NOW,
        updated_at=NOW,
    )

    assert state.create_comment_entry(entry, project, "2024-03")
    assert not state.create_comment_entry(entry, project, "2024-03")
    moved = CommentEntry(**{**entry.__dict__, "folder": "Archive", "updated_at": NOW + timedelta(hours=1)})
    state.update_comment_entry(moved, charge=None)

    stored = state.get_comment_entry(project, "3c613e")
    assert stored == moved
    assert state.get_usage(project, "2024-03").ai_units == 1
    state.update_comment_entry(moved, charge=(project, "2024-03"))
    assert state.get_usage(project, "2024-03").ai_units == 2


# The management API's methods (issue 7).


def _entry(project: str, comment_id: str, at: datetime, folder: str = "Inbox") -> CommentEntry:
    return CommentEntry(
        bucket=project,
        comment_id=comment_id,
        text_hash="h",
        integration=f"{project}/mail",
        mailbox="a@x.example",
        folder=folder,
        created_at=at,
        updated_at=at,
    )


def test_deleting_a_mailbox_removes_its_state_and_checkpoints_but_not_its_siblings(
    state: StateStore, project: str
) -> None:
    key = f"{project}/mail"
    state.put_integration(_integration(project))
    for address in ("a@x.example", "b@x.example"):
        state.put_mailbox(Mailbox(integration=key, address=address))
        _write_checkpoint(state, MailboxRef(integration=key, address=address), "Inbox", "t")
    a = MailboxRef(integration=key, address="a@x.example")
    b = MailboxRef(integration=key, address="b@x.example")

    assert state.delete_mailbox(a)
    assert not state.delete_mailbox(a)

    assert state.get_mailbox(a) is None and state.get_checkpoint(a, "Inbox") is None
    assert state.get_mailbox(b) is not None and state.get_checkpoint(b, "Inbox") is not None
    assert a.address not in _listed(state, key)
    assert state.delete_integration(key) and state.get_integration(key) is None
    assert not state.delete_integration(key)


def test_the_comment_feed_orders_changes_and_resumes_after_a_key(state: StateStore, project: str) -> None:
    # GIVEN five comments, three in the same second, one moved later, and another bucket's
    for n, comment_id in enumerate(["0c", "0a", "0b"]):
        state.create_comment_entry(
            _entry(project, comment_id, NOW + timedelta(microseconds=n)), project, "2024-03"
        )
    state.create_comment_entry(_entry(project, "0d", NOW - timedelta(hours=1)), project, "2024-03")
    state.create_comment_entry(_entry(project, "0e", NOW + timedelta(seconds=5)), project, "2024-03")
    state.create_comment_entry(_entry(f"{project}x", "0f", NOW), project, "2024-03")
    state.update_comment_entry(
        _entry(project, "0d", NOW + timedelta(seconds=9), folder="Archive"), charge=None
    )

    # WHEN it is read two at a time from the start
    first = state.comment_changes(project, "", 2)
    rest = state.comment_changes(project, first[-1][0], 10)

    # THEN oldest change first, each once, the moved one last with its new folder
    assert [e.comment_id for _, e in first + rest] == ["0c", "0a", "0b", "0e", "0d"]
    assert rest[-1][1].folder == "Archive"
    assert state.comment_changes(project, rest[-1][0], 10) == []
    assert [k for k, _ in first] == sorted(k for k, _ in first)


def test_a_deleted_comment_entry_leaves_the_index_and_the_feed(state: StateStore, project: str) -> None:
    state.create_comment_entry(_entry(project, "0a", NOW), project, "2024-03")

    assert state.delete_comment_entry(project, "0a")
    assert not state.delete_comment_entry(project, "0a")
    assert state.get_comment_entry(project, "0a") is None
    assert state.comment_changes(project, "", 10) == []


def test_an_oauth_state_is_taken_once_and_never_after_it_expires(state: StateStore, project: str) -> None:
    def oauth_state(digest: str) -> OAuthState:
        return OAuthState(
            state_sha256=digest,
            integration=f"{project}/outlook",
            provider=OAuthProvider.MICROSOFT,
            redirect_uri="https://api.example/external/microsoft/oauth2/callback",
            return_page="https://api.example/console",
            code_verifier="v" * 64,
            expires_at=NOW + timedelta(minutes=10),
        )

    fresh, stale = token_sha256(f"{project}-fresh"), token_sha256(f"{project}-stale")
    state.put_oauth_state(oauth_state(fresh))
    state.put_oauth_state(oauth_state(stale))

    taken = state.take_oauth_state(fresh, NOW + timedelta(minutes=9))
    assert taken is not None and taken.code_verifier == "v" * 64
    assert state.take_oauth_state(fresh, NOW + timedelta(minutes=9)) is None  # replay
    assert state.take_oauth_state(stale, NOW + timedelta(minutes=10, seconds=1)) is None  # expired
    assert state.take_oauth_state(token_sha256("never issued"), NOW) is None


def test_api_tokens_are_found_by_hash_and_a_new_one_replaces_its_name(
    state: StateStore, project: str
) -> None:
    name = f"bot-{project}"
    first = ApiToken(
        name=name, sha256=token_sha256(f"{project}-1"), permissions=[Permission.VIEW], created_at=NOW
    )
    second = ApiToken(name=name, sha256=token_sha256(f"{project}-2"), permissions=[Permission.MODIFY])

    state.put_api_token(first)
    state.put_api_token(second)

    assert state.get_api_token(first.sha256) is None
    assert state.get_api_token(second.sha256) == second
    assert [t for t in state.list_api_tokens() if t.name == name] == [second]
    assert state.delete_api_token(name) and not state.delete_api_token(name)
    assert state.get_api_token(second.sha256) is None


def test_subscriptions_are_kept_per_integration(state: StateStore, project: str) -> None:
    key = f"{project}/mail"
    subscription = Subscription(
        id="a" * 32,
        integration=key,
        protocol=SubscriptionProtocol.EMAIL,
        endpoint="ops@x.example",
        external_id="arn:aws:sns:eu-west-1:123456789012:commsync:1",
        created_at=NOW,
    )

    state.put_subscription(subscription)

    assert state.list_subscriptions(key) == [subscription]
    assert state.list_subscriptions(f"{project}/other") == []
    assert state.delete_subscription(key, "a" * 32) == subscription
    assert state.delete_subscription(key, "a" * 32) is None


def _raw_integration(state: StateStore, key: str, doc: str | None = None) -> str:
    """The stored integration row as text; with `doc`, write it as an older version would have."""
    if isinstance(state, SqliteState):
        if doc is not None:
            with state._tx() as db:
                db.execute("UPDATE integrations SET doc = ? WHERE key = ?", (doc, key))
        return str(state._one("SELECT doc FROM integrations WHERE key = ?", (key,))[0])
    assert isinstance(state, DynamoState)
    if doc is not None:
        state._table.put_item(Item={"pk": "INTEGRATIONS", "sk": key, "doc": doc})
    return str(state._table.get_item(Key={"pk": "INTEGRATIONS", "sk": key})["Item"]["doc"])


def test_an_unreadable_integration_is_listed_disabled_and_never_rewritten(
    state: StateStore, project: str
) -> None:
    # GIVEN a good integration, and one whose stored options today's model refuses (issue 16)
    state.put_integration(_integration(project, "good"))
    ews = Integration(
        project=project, name="old", kind=SourceKind.EWS, endpoint="https://mail.example", bucket=project
    )
    state.put_integration(ews)
    legacy = ews.model_dump(mode="json") | {"options": {"retired_option": True}}
    before = _raw_integration(state, f"{project}/old", json.dumps(legacy))
    # WHEN it is read, one and in the listing
    mine = {i.name: i for i in state.list_integrations() if i.project == project}
    one = state.get_integration(f"{project}/old")
    # THEN it is its integration, disabled with the problem and the fix; the other is untouched
    assert mine["good"].enabled and one is not None and one.disabled is not None
    listed = mine["old"].disabled
    assert listed is not None and listed.error == one.disabled.error
    assert one.disabled.failure_class == "integration" and "retired_option" in (one.disabled.error or "")
    assert one.kind is SourceKind.EWS and one.endpoint == "https://mail.example"
    # AND disabling or enabling it never writes over what is stored
    state.set_integration_disabled(f"{project}/old", Disabled(reason=DisableReason.QUOTA, at=NOW))
    state.set_integration_disabled(f"{project}/old", None)
    assert _raw_integration(state, f"{project}/old") == before
    # AND a full replacement does
    state.put_integration(ews)
    replaced = state.get_integration(f"{project}/old")
    assert replaced is not None and replaced.enabled
