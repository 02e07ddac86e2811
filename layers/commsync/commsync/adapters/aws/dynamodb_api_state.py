"""The management API's part of the DynamoDB StateStore (issue 7): deletions, the comment
change feed, OAuth state, API tokens and notification subscriptions.

The feed reads the sparse GSI `changes-index` (bucket, change_key): only comment index rows
carry `change_key`, so listing a bucket's changes is a query whatever else the table holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from commsync.models import MailboxRef
from commsync.models.access import ApiToken
from commsync.models.oauth import OAuthState
from commsync.models.subscription import Subscription

if TYPE_CHECKING:
    from commsync.ports import CommentEntry

CHANGES_INDEX = "changes-index"
API_TOKENS = "APITOKENS"


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] == "ConditionalCheckFailedException"


class DynamoApiState:
    """Mixed into DynamoState, which provides the table and the paginated query."""

    _table: Any
    _query: Callable[..., list[dict[str, Any]]]
    _collection: Callable[[MailboxRef], list[dict[str, Any]]]

    def _delete(self, key: dict[str, str], **kwargs: Any) -> dict[str, Any] | None:
        response = self._table.delete_item(Key=key, ReturnValues="ALL_OLD", **kwargs)
        old: dict[str, Any] | None = response.get("Attributes")
        return old

    def delete_integration(self, key: str) -> bool:
        return self._delete({"pk": "INTEGRATIONS", "sk": key}) is not None

    def delete_mailbox(self, ref: MailboxRef) -> bool:
        deleted = self._delete({"pk": f"MAILBOXES#{ref.integration}", "sk": ref.address}) is not None
        # Its checkpoints share its item collection (dynamodb_mailboxes).
        with self._table.batch_writer() as batch:
            for item in self._collection(ref):
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        return deleted

    def delete_comment_entry(self, bucket: str, comment_id: str) -> bool:
        return self._delete({"pk": f"COMMENT#{bucket}#{comment_id}", "sk": "COMMENT"}) is not None

    def comment_changes(self, bucket: str, after: str, limit: int) -> list[tuple[str, CommentEntry]]:
        from commsync.adapters.aws.dynamodb_state import entry_from

        out: list[tuple[str, CommentEntry]] = []
        # `bucket` is a DynamoDB reserved word; the condition builder substitutes a name for it.
        condition: Any = Key("bucket").eq(bucket)
        if after:  # a key value may not be empty: from the start means no range condition
            condition = condition & Key("change_key").gt(after)
        kwargs: dict[str, Any] = {"IndexName": CHANGES_INDEX, "KeyConditionExpression": condition}
        while len(out) < limit:
            page = self._table.query(Limit=limit - len(out), **kwargs)
            out.extend((str(item["change_key"]), entry_from(item)) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return out

    # OAuth state
    def put_oauth_state(self, state: OAuthState) -> None:
        until = int(state.expires_at.timestamp())
        self._table.put_item(
            Item={
                "pk": f"OAUTH#{state.state_sha256}",
                "sk": "STATE",
                "doc": state.model_dump_json(),
                "until": until,
                "expires_at": until + 3600,  # TTL sweeps abandoned flows; `until` decides validity
            }
        )

    def take_oauth_state(self, state_sha256: str, now: datetime) -> OAuthState | None:
        try:
            # Conditional delete: exactly one of two racing callbacks gets ALL_OLD back.
            old = self._delete(
                {"pk": f"OAUTH#{state_sha256}", "sk": "STATE"},
                ConditionExpression=Attr("until").gt(int(now.timestamp())),
            )
        except ClientError as exc:
            if _conditional_failed(exc):
                return None
            raise
        return OAuthState.model_validate_json(str(old["doc"])) if old else None

    # API tokens
    def put_api_token(self, token: ApiToken) -> None:
        self.delete_api_token(token.name)  # a name has one token: issuing again rotates it
        self._table.put_item(
            Item={"pk": API_TOKENS, "sk": token.sha256, "name": token.name, "doc": token.model_dump_json()}
        )

    def get_api_token(self, sha256: str) -> ApiToken | None:
        item = self._table.get_item(Key={"pk": API_TOKENS, "sk": sha256}, ConsistentRead=True).get("Item")
        return ApiToken.model_validate_json(str(item["doc"])) if item else None

    def list_api_tokens(self) -> list[ApiToken]:
        tokens = [ApiToken.model_validate_json(str(i["doc"])) for i in self._query(API_TOKENS)]
        return sorted(tokens, key=lambda t: t.name)

    def delete_api_token(self, name: str) -> bool:
        found = [t for t in self.list_api_tokens() if t.name == name]
        for token in found:
            self._table.delete_item(Key={"pk": API_TOKENS, "sk": token.sha256})
        return bool(found)

    # subscriptions
    def put_subscription(self, subscription: Subscription) -> None:
        self._table.put_item(
            Item={
                "pk": f"SUBSCRIPTIONS#{subscription.integration}",
                "sk": subscription.id,
                "doc": subscription.model_dump_json(),
            }
        )

    def list_subscriptions(self, integration: str) -> list[Subscription]:
        return [
            Subscription.model_validate_json(str(i["doc"]))
            for i in self._query(f"SUBSCRIPTIONS#{integration}")
        ]

    def delete_subscription(self, integration: str, subscription_id: str) -> Subscription | None:
        old = self._delete({"pk": f"SUBSCRIPTIONS#{integration}", "sk": subscription_id})
        return Subscription.model_validate_json(str(old["doc"])) if old else None
