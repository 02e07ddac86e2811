"""A checkpoint token bigger than a DynamoDB item (the EWS folder tree of a large archive) is kept
in the bucket and named from the table (services/checkpoint_tokens.py), on moto."""

from __future__ import annotations

import base64
import os
import uuid
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError

from commsync.adapters.aws.dynamodb_state import DynamoState
from commsync.adapters.aws.s3_blobs import S3Blobs
from commsync.models import Checkpoint, MailboxRef
from commsync.services.checkpoint_tokens import BLOB_PREFIX, drop_replaced, stored_form, token_of
from tests.e2e.conftest import AwsStack

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def _checkpoint(ref: MailboxRef, token: str) -> Checkpoint:
    return Checkpoint(
        integration=ref.integration,
        mailbox=ref.address,
        folder_id="#folders",
        folder_path="",
        token=token,
        updated_at=NOW,
    )


def _folder_tree_sized(size: int) -> str:
    # Folder ids are random base64: a real tree compresses no better.
    return base64.b64encode(os.urandom(size * 3 // 4)).decode()


def test_a_token_over_the_item_limit_goes_to_the_bucket_and_comes_back(aws_stack: AwsStack) -> None:
    state = DynamoState(aws_stack.outputs["StateTableName"])
    blobs = S3Blobs(aws_stack.outputs["BlobBucketName"])
    ref = MailboxRef(integration=f"p{uuid.uuid4().hex[:8]}/mail", address="archive@contoso.example")
    big, bigger = _folder_tree_sized(500_000), _folder_tree_sized(600_000)

    # GIVEN a 500 KB folder tree, which DynamoDB refuses as an item
    with pytest.raises(ClientError, match="size"):
        state.put_checkpoint(_checkpoint(ref, big))

    # WHEN it is stored in the form the poller stores, and then replaced by a bigger one
    first = stored_form(blobs, ref, "#folders", big)
    assert state.put_checkpoint(_checkpoint(ref, first))
    read_back = token_of(blobs, state.get_checkpoint(ref, "#folders"))
    second = stored_form(blobs, ref, "#folders", bigger)
    assert state.put_checkpoint(_checkpoint(ref, second).model_copy(update={"revision": 1}))
    drop_replaced(blobs, first, second)

    # THEN the table holds only a name, each token comes back whole, and the replaced blob is gone
    assert first.startswith(BLOB_PREFIX) and len(first) < 200
    assert read_back == big
    assert token_of(blobs, state.get_checkpoint(ref, "#folders")) == bigger
    assert blobs.get(first.removeprefix(BLOB_PREFIX)) is None
    # AND a small token stays in the table as it is
    assert stored_form(blobs, ref, "Inbox", "H4sIAAAAAAAA") == "H4sIAAAAAAAA"


def test_a_missing_blob_starts_the_folder_over_rather_than_failing(aws_stack: AwsStack) -> None:
    blobs = S3Blobs(aws_stack.outputs["BlobBucketName"])
    ref = MailboxRef(integration="acme/mail", address="ann@contoso.example")
    gone = _checkpoint(ref, BLOB_PREFIX + "checkpoints/none/none.txt")
    # Starting over duplicates nothing: comments are keyed by Message-ID, usage by changed text.
    assert token_of(blobs, gone) is None
