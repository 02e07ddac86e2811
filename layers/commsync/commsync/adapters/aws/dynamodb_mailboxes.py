"""Mailboxes and their checkpoints in one item collection (docs/architecture.md#flow).

A mailbox's row (pk `MAILBOXES#<integration>`, sk `<address>`) and its checkpoints (same pk,
sk `<address>#<folder id>`) share a partition key and a sort-key prefix, so a poll reads all of
its state in one Query, and an idle poll writes nothing: a checkpoint moves by compare-and-set
on its own `rev` only when its page carried changes (services/poll.py).

Only enabled mailbox rows carry `due`, which keeps the sparse `due-index` (due, next_poll_at) a
listing of what the dispatcher may send; `next_poll_at` holds a one-off poll asked for (a new
mailbox: the epoch, so at once) or NO_POLL_AT. The regular polls need no stored time at all
(commsync.schedule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from commsync.models import Checkpoint, Mailbox, MailboxRef, MailboxState
from commsync.models.common import iso_z, utc_now
from commsync.ports import MailboxSnapshot, ScheduleEntry
from commsync.schedule import next_due

DUE_INDEX = "due-index"
DUE = "DUE"
# Key attributes of an index may not be empty. Rows written before one-off polls existed hold
# NEVER ("never polled", due at once); NO_POLL_AT sorts after any real time.
NEVER = "0000-00-00T00:00:00Z"
NO_POLL_AT = "9999-12-31T23:59:59Z"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SEP = "#"  # mailbox addresses never contain it (models.mailbox)


def mailboxes_pk(integration: str) -> str:
    return f"MAILBOXES#{integration}"


def conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] in (
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    )


class DynamoMailboxes:
    """Mixed into DynamoState, which provides the table and the paginated query."""

    _table: Any
    _query: Callable[..., list[dict[str, Any]]]

    def put_mailbox(self, mailbox: Mailbox) -> None:
        key = {"pk": mailboxes_pk(mailbox.integration), "sk": mailbox.address}
        try:
            # New mailboxes start enabled and due at once; existing ones keep their runtime state.
            self._table.put_item(
                Item={
                    **key,
                    "config": mailbox.model_dump_json(),
                    "state": MailboxState().model_dump_json(),
                    "due": DUE,
                    "next_poll_at": iso_z(EPOCH),
                    "interval": mailbox.poll_interval_seconds,
                },
                ConditionExpression=Attr("pk").not_exists(),
            )
        except ClientError as exc:
            if not conditional_failed(exc):
                raise
            self._table.update_item(
                Key=key,
                UpdateExpression="SET config = :c, #i = :i",
                ExpressionAttributeNames={"#i": "interval"},
                ExpressionAttributeValues={
                    ":c": mailbox.model_dump_json(),
                    ":i": mailbox.poll_interval_seconds,
                },
            )

    def get_mailbox(self, ref: MailboxRef) -> tuple[Mailbox, MailboxState] | None:
        item = self._table.get_item(
            Key={"pk": mailboxes_pk(ref.integration), "sk": ref.address}, ConsistentRead=True
        ).get("Item")
        return mailbox_from(item) if item else None

    def list_mailboxes(self, integration: str) -> list[tuple[Mailbox, MailboxState]]:
        rows = self._query(mailboxes_pk(integration), FilterExpression=Attr("config").exists())
        return [mailbox_from(i) for i in rows]

    def load_mailbox(self, ref: MailboxRef) -> MailboxSnapshot | None:
        items = self._collection(ref)
        row = next((i for i in items if i["sk"] == ref.address), None)
        if row is None:
            return None
        mailbox, state = mailbox_from(row)
        checkpoints = [checkpoint_from(i) for i in items if i["sk"] != ref.address]
        return MailboxSnapshot(mailbox, state, {c.folder_id: c for c in checkpoints})

    def schedule_listing(self) -> Iterator[ScheduleEntry]:
        kwargs: dict[str, Any] = {
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": Key("due").eq(DUE),
            "ProjectionExpression": "pk, sk, #i, next_poll_at",
            "ExpressionAttributeNames": {"#i": "interval"},
        }
        while True:
            page = self._table.query(**kwargs)
            for item in page["Items"]:
                ref = MailboxRef(integration=str(item["pk"]).split("#", 1)[1], address=str(item["sk"]))
                yield ScheduleEntry(
                    ref, int(str(item["interval"])), _poll_at(str(item.get("next_poll_at", "")))
                )
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def schedule_poll(self, ref: MailboxRef, at: datetime) -> None:
        self._set_poll_at(ref, iso_z(at), Attr("pk").exists())

    def clear_poll_at(self, ref: MailboxRef, at: datetime | None) -> None:
        stored = [NEVER, iso_z(EPOCH)] if at is None or at == EPOCH else [iso_z(at)]
        self._set_poll_at(ref, NO_POLL_AT, Attr("next_poll_at").is_in(stored))

    def _set_poll_at(self, ref: MailboxRef, value: str, condition: Any) -> None:
        try:
            self._table.update_item(
                Key={"pk": mailboxes_pk(ref.integration), "sk": ref.address},
                UpdateExpression="SET next_poll_at = :n",
                ExpressionAttributeValues={":n": value},
                ConditionExpression=condition,
            )
        except ClientError as exc:
            if not conditional_failed(exc):
                raise

    def save_mailbox_state(
        self, ref: MailboxRef, state: MailboxState, expected_revision: int | None = None
    ) -> bool:
        # The `rev` attribute is the revision (read back as authoritative).
        values: dict[str, Any]
        if expected_revision is None:
            bump, values = "rev = if_not_exists(rev, :zero) + :one", {":zero": 0, ":one": 1}
        else:
            bump, values = "rev = :r", {":r": expected_revision + 1}
        values[":s"] = state.model_dump_json(exclude={"revision", "next_poll_at"})
        # Only enabled mailboxes carry `due`, which keeps the index sparse (docs/architecture.md#flow).
        update = f"SET #s = :s, {bump}"
        if state.enabled:
            update, values[":d"] = update + ", due = :d", DUE
        else:
            update += " REMOVE due"
        condition: Any = Attr("pk").exists()
        if expected_revision is not None:
            # Items written before revisions existed have none: that is revision 0.
            same = Attr("rev").eq(expected_revision)
            condition = condition & (same | Attr("rev").not_exists() if expected_revision == 0 else same)
        try:
            self._table.update_item(
                Key={"pk": mailboxes_pk(ref.integration), "sk": ref.address},
                UpdateExpression=update,
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues=values,
                ConditionExpression=condition,
            )
        except ClientError as exc:
            if conditional_failed(exc) and expected_revision is not None:
                return False
            raise
        return True

    def get_checkpoint(self, ref: MailboxRef, folder_id: str) -> Checkpoint | None:
        item = self._table.get_item(Key=_checkpoint_key(ref, folder_id), ConsistentRead=True).get("Item")
        return checkpoint_from(item) if item else None

    def put_checkpoint(self, checkpoint: Checkpoint) -> bool:
        ref = MailboxRef(integration=checkpoint.integration, address=checkpoint.mailbox)
        expected = checkpoint.revision
        condition = Attr("pk").not_exists() if expected == 0 else Attr("rev").eq(expected)
        try:
            self._table.put_item(
                Item={
                    **_checkpoint_key(ref, checkpoint.folder_id),
                    "doc": checkpoint.model_dump_json(),
                    "rev": expected + 1,
                },
                ConditionExpression=condition,
            )
        except ClientError as exc:
            if conditional_failed(exc):
                return False
            raise
        return True

    def _collection(self, ref: MailboxRef) -> list[dict[str, Any]]:
        """The mailbox's row and checkpoints; a longer address sharing the prefix is left out."""
        condition = Key("pk").eq(mailboxes_pk(ref.integration)) & Key("sk").begins_with(ref.address)
        items = self._query(None, KeyConditionExpression=condition)
        return [i for i in items if i["sk"] == ref.address or str(i["sk"]).startswith(ref.address + SEP)]


def _checkpoint_key(ref: MailboxRef, folder_id: str) -> dict[str, str]:
    return {"pk": mailboxes_pk(ref.integration), "sk": f"{ref.address}{SEP}{folder_id}"}


def _poll_at(stored: str) -> datetime | None:
    if stored in ("", NO_POLL_AT):
        return None
    if stored == NEVER:
        return EPOCH
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


def checkpoint_from(item: dict[str, Any]) -> Checkpoint:
    checkpoint = Checkpoint.model_validate_json(str(item["doc"]))
    return checkpoint.model_copy(update={"revision": int(item.get("rev", 0))})


def mailbox_from(item: dict[str, Any]) -> tuple[Mailbox, MailboxState]:
    mailbox = Mailbox.model_validate_json(str(item["config"]))
    state = MailboxState.model_validate_json(str(item["state"]))
    poll_at = _poll_at(str(item.get("next_poll_at", "")))
    # Derived on read, never stored (docs/architecture.md#flow): the one-off poll, else the next slot.
    if poll_at == EPOCH:
        upcoming: datetime | None = None
    else:
        upcoming = next_due(mailbox.ref.key, mailbox.poll_interval_seconds, utc_now())
        upcoming = min(upcoming, poll_at) if poll_at else upcoming
    return mailbox, state.model_copy(update={"revision": int(item.get("rev", 0)), "next_poll_at": upcoming})
