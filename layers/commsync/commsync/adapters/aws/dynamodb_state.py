"""StateStore on one DynamoDB table (docs/architecture.md#flow).

Keys: pk/sk strings. The sparse GSI `due-index` (due, next_poll_at) holds only enabled
mailboxes, so the dispatcher's query reads due mailboxes and nothing else; the sparse
`changes-index` (bucket, change_key) holds only comment index rows (dynamodb_api_state).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from commsync.adapters.aws.dynamodb_api_state import DynamoApiState
from commsync.models import Checkpoint, Integration, Mailbox, MailboxRef, MailboxState, Usage
from commsync.models.comment_feed import change_key
from commsync.models.common import iso_z
from commsync.models.integration import Disabled
from commsync.ports import CommentEntry

DUE_INDEX = "due-index"
DUE = "DUE"
# Key attributes of an index may not be empty: "never polled" sorts before any real time.
NEVER = "0000-00-00T00:00:00Z"
INTEGRATIONS = "INTEGRATIONS"


def _mailboxes_pk(integration: str) -> str:
    return f"MAILBOXES#{integration}"


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] in (
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    )


class DynamoState(DynamoApiState):
    def __init__(self, table_name: str, client: Any | None = None) -> None:
        # Typed as Any: transactions take the low-level attribute-value shapes built below.
        self._client: Any = client or boto3.client("dynamodb")
        self._table = boto3.resource("dynamodb").Table(table_name)
        self._name = table_name

    # integrations
    def put_integration(self, integration: Integration) -> None:
        self._table.put_item(
            Item={"pk": INTEGRATIONS, "sk": integration.key, "doc": integration.model_dump_json()}
        )

    def get_integration(self, key: str) -> Integration | None:
        item = self._table.get_item(Key={"pk": INTEGRATIONS, "sk": key}, ConsistentRead=True).get("Item")
        return Integration.model_validate_json(str(item["doc"])) if item else None

    def list_integrations(self) -> list[Integration]:
        return [Integration.model_validate_json(str(i["doc"])) for i in self._query(INTEGRATIONS)]

    def set_integration_disabled(self, key: str, disabled: Disabled | None) -> None:
        current = self.get_integration(key)
        if current is not None:
            self.put_integration(current.model_copy(update={"disabled": disabled}))

    # mailboxes
    def put_mailbox(self, mailbox: Mailbox) -> None:
        key = {"pk": _mailboxes_pk(mailbox.integration), "sk": mailbox.address}
        try:
            # New mailboxes start enabled and due at once; existing ones keep their runtime state.
            self._table.put_item(
                Item={
                    **key,
                    "config": mailbox.model_dump_json(),
                    "state": MailboxState().model_dump_json(),
                    "due": DUE,
                    "next_poll_at": NEVER,
                    "interval": mailbox.poll_interval_seconds,
                },
                ConditionExpression=Attr("pk").not_exists(),
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
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
            Key={"pk": _mailboxes_pk(ref.integration), "sk": ref.address}, ConsistentRead=True
        ).get("Item")
        return _mailbox_from(item) if item else None

    def list_mailboxes(self, integration: str) -> list[tuple[Mailbox, MailboxState]]:
        return [_mailbox_from(i) for i in self._query(_mailboxes_pk(integration))]

    def due_mailboxes(self, now: datetime, limit: int) -> list[tuple[MailboxRef, int]]:
        out: list[tuple[MailboxRef, int]] = []
        kwargs: dict[str, Any] = {
            "IndexName": DUE_INDEX,
            "KeyConditionExpression": Key("due").eq(DUE) & Key("next_poll_at").lte(iso_z(now)),
            "ProjectionExpression": "pk, sk, #i",
            "ExpressionAttributeNames": {"#i": "interval"},
        }
        while len(out) < limit:
            page = self._table.query(Limit=limit - len(out), **kwargs)
            for item in page["Items"]:
                ref = MailboxRef(integration=str(item["pk"]).split("#", 1)[1], address=str(item["sk"]))
                out.append((ref, int(str(item["interval"]))))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return out

    def schedule_poll(self, ref: MailboxRef, at: datetime) -> None:
        # One targeted write per due mailbox (the dispatcher's cost, issue 8): the top-level
        # next_poll_at is authoritative and _mailbox_from lays it over the state document.
        try:
            self._table.update_item(
                Key={"pk": _mailboxes_pk(ref.integration), "sk": ref.address},
                UpdateExpression="SET next_poll_at = :n",
                ExpressionAttributeValues={":n": iso_z(at)},
                ConditionExpression=Attr("pk").exists(),
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    def save_mailbox_state(
        self, ref: MailboxRef, state: MailboxState, expected_revision: int | None = None
    ) -> bool:
        # The `rev` attribute is the revision (read back as authoritative, as next_poll_at is).
        values: dict[str, Any]
        if expected_revision is None:
            bump, values = "rev = if_not_exists(rev, :zero) + :one", {":zero": 0, ":one": 1}
        else:
            bump, values = "rev = :r", {":r": expected_revision + 1}
        # Only enabled mailboxes carry `due`, which keeps the index sparse (docs/architecture.md#flow).
        due_clause = f"SET #s = :s, next_poll_at = :n, {bump}" + (", due = :d" if state.enabled else "")
        values |= {
            ":s": state.model_dump_json(exclude={"revision"}),
            ":n": iso_z(state.next_poll_at) if state.next_poll_at else NEVER,
        }
        if state.enabled:
            values[":d"] = DUE
        condition: Any = Attr("pk").exists()
        if expected_revision is not None:
            # Items written before revisions existed have none: that is revision 0.
            same = Attr("rev").eq(expected_revision)
            condition = condition & (same | Attr("rev").not_exists() if expected_revision == 0 else same)
        try:
            self._table.update_item(
                Key={"pk": _mailboxes_pk(ref.integration), "sk": ref.address},
                UpdateExpression=due_clause if state.enabled else due_clause + " REMOVE due",
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues=values,
                ConditionExpression=condition,
            )
        except ClientError as exc:
            if _conditional_failed(exc) and expected_revision is not None:
                return False
            raise
        return True

    # checkpoints
    def get_checkpoint(self, ref: MailboxRef, folder_id: str) -> Checkpoint | None:
        item = self._table.get_item(
            Key={"pk": f"CHECKPOINTS#{ref.key}", "sk": folder_id}, ConsistentRead=True
        ).get("Item")
        return Checkpoint.model_validate_json(str(item["doc"])) if item else None

    def put_checkpoint_leased(self, checkpoint: Checkpoint, owner: str, now: datetime, seconds: int) -> bool:
        ref = MailboxRef(integration=checkpoint.integration, address=checkpoint.mailbox)
        until = int(now.timestamp()) + seconds
        renew = {
            "TableName": self._name,
            "Key": {"pk": {"S": f"LEASE#{ref.key}"}, "sk": {"S": "LEASE"}},
            "UpdateExpression": "SET #u = :u, expires_at = :e",
            "ConditionExpression": "#o = :o",
            "ExpressionAttributeNames": {"#u": "until", "#o": "owner"},
            "ExpressionAttributeValues": {
                ":u": {"N": str(until)},
                ":e": {"N": str(until + 3600)},
                ":o": {"S": owner},
            },
        }
        put = {
            "TableName": self._name,
            "Item": {
                "pk": {"S": f"CHECKPOINTS#{ref.key}"},
                "sk": {"S": checkpoint.folder_id},
                "doc": {"S": checkpoint.model_dump_json()},
            },
        }
        try:
            self._client.transact_write_items(TransactItems=[{"Update": renew}, {"Put": put}])
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    # leases
    def acquire_lease(self, ref: MailboxRef, owner: str, now: datetime, seconds: int) -> bool:
        until = int(now.timestamp()) + seconds
        try:
            self._table.put_item(
                Item={
                    "pk": f"LEASE#{ref.key}",
                    "sk": "LEASE",
                    "owner": owner,
                    "until": until,
                    "expires_at": until + 3600,
                },
                ConditionExpression=Attr("pk").not_exists()
                | Attr("until").lt(int(now.timestamp()))
                | Attr("owner").eq(owner),
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def release_lease(self, ref: MailboxRef, owner: str) -> None:
        try:
            self._table.delete_item(
                Key={"pk": f"LEASE#{ref.key}", "sk": "LEASE"}, ConditionExpression=Attr("owner").eq(owner)
            )
        except ClientError as exc:
            if not _conditional_failed(exc):
                raise

    # comment index and usage
    def get_comment_entry(self, bucket: str, comment_id: str) -> CommentEntry | None:
        item = self._table.get_item(Key=_comment_key(bucket, comment_id), ConsistentRead=True).get("Item")
        return entry_from(item) if item else None

    def create_comment_entry(self, entry: CommentEntry, project: str, period: str) -> bool:
        put = {
            "TableName": self._name,
            "Item": _ddb({**_comment_key(entry.bucket, entry.comment_id), **_entry_attrs(entry)}),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        try:
            self._client.transact_write_items(
                TransactItems=[{"Put": put}, {"Update": self._charge(project, period)}]
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return False
            raise
        return True

    def update_comment_entry(self, entry: CommentEntry, charge: tuple[str, str] | None) -> None:
        put = {
            "TableName": self._name,
            "Item": _ddb({**_comment_key(entry.bucket, entry.comment_id), **_entry_attrs(entry)}),
        }
        items: list[dict[str, Any]] = [{"Put": put}]
        if charge:
            items.append({"Update": self._charge(*charge)})
        self._client.transact_write_items(TransactItems=items)

    def get_usage(self, project: str, period: str) -> Usage:
        item = self._table.get_item(Key={"pk": f"USAGE#{project}", "sk": period}, ConsistentRead=True).get(
            "Item"
        )
        return Usage(project=project, period=period, ai_units=int(str(item["ai_units"])) if item else 0)

    def _charge(self, project: str, period: str) -> dict[str, Any]:
        return {
            "TableName": self._name,
            "Key": _ddb({"pk": f"USAGE#{project}", "sk": period}),
            "UpdateExpression": "ADD ai_units :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }

    def _query(self, pk: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("pk").eq(pk), "ConsistentRead": True}
        while True:
            page = self._table.query(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _ddb(values: dict[str, str]) -> dict[str, dict[str, str]]:
    return {k: {"S": v} for k, v in values.items()}


def _comment_key(bucket: str, comment_id: str) -> dict[str, str]:
    return {"pk": f"COMMENT#{bucket}#{comment_id}", "sk": "COMMENT"}


def _entry_attrs(entry: CommentEntry) -> dict[str, str]:
    return {
        "text_hash": entry.text_hash,
        "integration": entry.integration,
        "mailbox": entry.mailbox,
        "folder": entry.folder,
        "created_at": iso_z(entry.created_at),
        "updated_at": iso_z(entry.updated_at),
        "bucket": entry.bucket,
        "comment_id": entry.comment_id,
        # Sort key of the sparse changes-index (bucket, change_key): the bucket's change feed.
        "change_key": change_key(entry.updated_at, entry.comment_id),
    }


def entry_from(item: dict[str, Any]) -> CommentEntry:
    return CommentEntry(
        bucket=str(item["bucket"]),
        comment_id=str(item["comment_id"]),
        text_hash=str(item["text_hash"]),
        integration=str(item["integration"]),
        mailbox=str(item["mailbox"]),
        folder=str(item["folder"]),
        created_at=datetime.fromisoformat(str(item["created_at"])),
        updated_at=datetime.fromisoformat(str(item["updated_at"])),
    )


def _mailbox_from(item: dict[str, Any]) -> tuple[Mailbox, MailboxState]:
    state = MailboxState.model_validate_json(str(item["state"]))
    state = state.model_copy(update={"revision": int(item.get("rev", 0))})
    scheduled = str(item.get("next_poll_at", NEVER))
    if scheduled != NEVER:
        state = state.model_copy(
            update={"next_poll_at": datetime.fromisoformat(scheduled.replace("Z", "+00:00"))}
        )
    return Mailbox.model_validate_json(str(item["config"])), state
