"""StateStore on one DynamoDB table (docs/architecture.md#flow).

Keys: pk/sk strings. Mailboxes and checkpoints, with the sparse `due-index`, are in
dynamodb_mailboxes; the sparse `changes-index` (bucket, change_key) holds only comment index
rows (dynamodb_api_state).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from commsync.adapters.aws.dynamodb_api_state import DynamoApiState
from commsync.adapters.aws.dynamodb_mailboxes import DynamoMailboxes, conditional_failed
from commsync.adapters.stored_integration import integration_row, writable
from commsync.models import Integration, Usage
from commsync.models.comment_feed import change_key
from commsync.models.common import iso_z
from commsync.models.integration import Disabled
from commsync.ports import CommentEntry

INTEGRATIONS = "INTEGRATIONS"
# A disable racing a PUT reads again; past this many the PUT (the newer intent) wins.
_UPDATE_ATTEMPTS = 3


class DynamoState(DynamoMailboxes, DynamoApiState):
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
        item = self._integration_item(key)
        return integration_row(key, str(item["doc"])) if item else None

    def list_integrations(self) -> list[Integration]:
        # A row that no longer validates is read as its integration, disabled (issue 16).
        return [integration_row(str(i["sk"]), str(i["doc"])) for i in self._query(INTEGRATIONS)]

    def set_integration_disabled(self, key: str, disabled: Disabled | None) -> None:
        for _ in range(_UPDATE_ATTEMPTS):
            item = self._integration_item(key)
            current = writable(str(item["doc"])) if item else None
            if item is None or current is None:
                return  # gone, or unreadable: left exactly as stored, only PUT or delete replaces it
            updated = current.model_copy(update={"disabled": disabled}).model_dump_json()
            try:
                # Conditional on the doc read: a PUT in between is never overwritten by this copy.
                self._table.put_item(
                    Item={"pk": INTEGRATIONS, "sk": key, "doc": updated},
                    ConditionExpression="doc = :read",
                    ExpressionAttributeValues={":read": item["doc"]},
                )
                return
            except ClientError as exc:
                if not conditional_failed(exc):
                    raise

    def _integration_item(self, key: str) -> dict[str, Any] | None:
        item = self._table.get_item(Key={"pk": INTEGRATIONS, "sk": key}, ConsistentRead=True).get("Item")
        return dict(item) if item else None

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
            if conditional_failed(exc):
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

    def _query(self, pk: str | None, **extra: Any) -> list[dict[str, Any]]:
        """Every page of a strongly consistent query: on `pk`, or on the given key condition."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"ConsistentRead": True, **extra}
        if pk is not None:
            kwargs["KeyConditionExpression"] = Key("pk").eq(pk)
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
