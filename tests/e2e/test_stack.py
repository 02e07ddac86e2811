"""The stack created from template.yaml on moto is what the code relies on."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest

from .conftest import AwsStack

pytestmark = pytest.mark.e2e

FUNCTIONS = ["DispatcherFunction", "PollerFunction", "ApiFunction"]
CORE_RESOURCES = [
    "StateTable",
    "BlobBucket",
    "PollQueue",
    "PollDeadLetterQueue",
    "NotificationTopic",
    *FUNCTIONS,
]
# Types moto's CloudFormation does not model (it skips them); tests/unit covers their properties.
UNMODELLED_TYPES = {
    "AWS::CloudWatch::Alarm",
    "AWS::ApiGateway::Stage",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
}


def _queue_attributes(stack: AwsStack, queue_url: str) -> dict[str, str]:
    attributes: dict[str, str] = stack.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["All"]
    )["Attributes"]
    return attributes


def test_stack_has_every_resource_the_code_needs(aws_stack: AwsStack) -> None:
    # GIVEN the stack created from template.yaml
    # WHEN its resources are listed
    created = aws_stack.physical_ids
    # THEN the state, blobs, queues, topic and functions exist, and only alarms and the like were skipped
    assert [name for name in CORE_RESOURCES if name not in created] == []
    assert aws_stack.skipped_resource_types <= UNMODELLED_TYPES
    # Every output the template declares resolves on the created stack (the list lives in the template).
    assert set(aws_stack.outputs) == set(aws_stack.template["Outputs"])


def test_table_has_the_keys_the_due_index_and_ttl(aws_stack: AwsStack) -> None:
    # GIVEN the state table of the stack
    dynamodb = aws_stack.client("dynamodb")
    table_name = aws_stack.outputs["StateTableName"]
    # WHEN moto describes it
    table = dynamodb.describe_table(TableName=table_name)["Table"]
    ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    # THEN it has pk/sk, a due-index on due/next_poll_at projecting everything, and TTL on expires_at
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    indexes = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {"due-index", "changes-index"}
    due_index = indexes["due-index"]
    assert [(k["AttributeName"], k["KeyType"]) for k in due_index["KeySchema"]] == [
        ("due", "HASH"),
        ("next_poll_at", "RANGE"),
    ]
    assert due_index["Projection"]["ProjectionType"] == "ALL"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}


def test_due_index_answers_the_dispatchers_query(aws_stack: AwsStack) -> None:
    # GIVEN one mailbox due, one due later, one without `due` (sparse index: never a candidate)
    dynamodb = aws_stack.client("dynamodb")
    table_name = aws_stack.outputs["StateTableName"]
    probe = uuid.uuid4().hex  # the stack is shared by the session: keys no other test uses
    due_value = f"probe-{probe}"

    def item(suffix: str, next_poll_at: str, due: bool) -> dict[str, Any]:
        keys = {"pk": {"S": f"probe#{probe}#{suffix}"}, "sk": {"S": "mailbox"}}
        return {**keys, "next_poll_at": {"S": next_poll_at}, **({"due": {"S": due_value}} if due else {})}

    items = [
        item("a", "2024-03-01T09:25:00Z", due=True),
        item("b", "2024-03-01T09:35:00Z", due=True),
        item("c", "2024-03-01T09:00:00Z", due=False),
    ]
    for entry in items:
        dynamodb.put_item(TableName=table_name, Item=entry)
    # WHEN the mailboxes due by 09:30 are queried on the index
    response = dynamodb.query(
        TableName=table_name,
        IndexName="due-index",
        KeyConditionExpression="#due = :due AND next_poll_at <= :now",
        ExpressionAttributeNames={"#due": "due"},
        ExpressionAttributeValues={":due": {"S": due_value}, ":now": {"S": "2024-03-01T09:30:00Z"}},
    )
    # THEN only the one whose time has come is found
    found = [entry["pk"]["S"] for entry in response["Items"]]
    for entry in items:
        dynamodb.delete_item(TableName=table_name, Key={"pk": entry["pk"], "sk": entry["sk"]})
    assert found == [f"probe#{probe}#a"]


def test_poll_queue_redrives_to_the_dead_letter_queue_after_five_receives(aws_stack: AwsStack) -> None:
    # GIVEN the poll queue and its dead-letter queue
    queue = _queue_attributes(aws_stack, aws_stack.outputs["PollQueueUrl"])
    dead_letter = _queue_attributes(aws_stack, aws_stack.outputs["PollDeadLetterQueueUrl"])
    # WHEN the redrive policy is read
    redrive = json.loads(queue["RedrivePolicy"])
    # THEN failed jobs go to the DLQ after 5 receives
    assert redrive["deadLetterTargetArn"] == dead_letter["QueueArn"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert queue["SqsManagedSseEnabled"] == "true"


def test_poll_queue_visibility_covers_six_poller_timeouts(aws_stack: AwsStack) -> None:
    # GIVEN the poller as Lambda holds it and the queue that feeds it
    poller = aws_stack.client("lambda").get_function_configuration(
        FunctionName=aws_stack.function_name("PollerFunction")
    )
    queue = _queue_attributes(aws_stack, aws_stack.outputs["PollQueueUrl"])
    # WHEN the two are compared
    # THEN a message stays hidden for at least 6 x the function timeout (AWS guidance)
    assert poller["Timeout"] == 900
    assert int(queue["VisibilityTimeout"]) >= 6 * poller["Timeout"]


def test_poller_is_fed_by_the_poll_queue_with_partial_batch_responses(aws_stack: AwsStack) -> None:
    # GIVEN the poller's event source mapping
    poll_queue_arn = _queue_attributes(aws_stack, aws_stack.outputs["PollQueueUrl"])["QueueArn"]
    mappings = aws_stack.client("lambda").list_event_source_mappings(
        FunctionName=aws_stack.function_name("PollerFunction")
    )["EventSourceMappings"]
    # WHEN it is inspected
    # THEN batches of 10 from the poll queue, failures reported per item
    assert [(m["EventSourceArn"], m["BatchSize"]) for m in mappings] == [(poll_queue_arn, 10)]
    assert mappings[0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_bucket_is_encrypted_versioned_and_blocks_public_access(aws_stack: AwsStack) -> None:
    # GIVEN the blob bucket
    s3 = aws_stack.client("s3")
    bucket = aws_stack.outputs["BlobBucketName"]
    # WHEN its settings are read
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    versioning = s3.get_bucket_versioning(Bucket=bucket)
    # THEN objects are encrypted at rest, nothing can be made public, and overwrites keep versions
    assert [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules] in (
        ["AES256"],
        ["aws:kms"],
    )
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert versioning["Status"] == "Enabled"


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_function_environment_names_resources_that_exist(aws_stack: AwsStack, logical_id: str) -> None:
    # GIVEN the environment the template gives the function, as Lambda holds it
    env = aws_stack.function_environment(logical_id)
    # WHEN each named resource is looked up
    table = aws_stack.client("dynamodb").describe_table(TableName=env["COMMSYNC_TABLE_NAME"])
    queue = _queue_attributes(aws_stack, env["COMMSYNC_QUEUE_URL"])
    bucket = aws_stack.client("s3").head_bucket(Bucket=env["COMMSYNC_BUCKET_NAME"])
    topic = aws_stack.client("sns").get_topic_attributes(TopicArn=env["COMMSYNC_TOPIC_ARN"])
    # THEN they are the stack's own resources, and the plain settings have the template's values
    assert table["Table"]["TableName"] == aws_stack.outputs["StateTableName"]
    assert queue["QueueArn"].endswith(aws_stack.outputs["PollQueueUrl"].rsplit("/", 1)[-1])
    assert bucket["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert topic["Attributes"]["TopicArn"] == aws_stack.outputs["NotificationTopicArn"]
    assert env["COMMSYNC_SECRET_PREFIX"] == "commsync/"
    assert env["COMMSYNC_AI_UNIT_QUOTA"] == "0"
    assert env["POWERTOOLS_SERVICE_NAME"] == "commsync"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "commsync"
    assert env["POWERTOOLS_LOG_LEVEL"] == "INFO"


def test_only_the_poller_has_a_time_reserve(aws_stack: AwsStack) -> None:
    # GIVEN the three functions' environments
    reserves = {f: aws_stack.function_environment(f).get("COMMSYNC_RESERVE_SECONDS") for f in FUNCTIONS}
    # WHEN the reserve is compared
    # THEN only the poller, which must stop before its 900 s run out, has one
    assert reserves == {"DispatcherFunction": None, "PollerFunction": "60", "ApiFunction": None}


def test_code_under_test_reaches_moto_through_the_environment_alone(aws_stack: AwsStack) -> None:
    # GIVEN clients built as the code under test builds them: no endpoint, no credentials
    env = aws_stack.function_environment("PollerFunction")
    dynamodb, sqs, s3 = boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("s3")
    # WHEN they look up the resources the function's environment names (read-only: shared stack)
    table = dynamodb.describe_table(TableName=env["COMMSYNC_TABLE_NAME"])["Table"]
    queue = sqs.get_queue_attributes(QueueUrl=env["COMMSYNC_QUEUE_URL"], AttributeNames=["QueueArn"])
    s3.head_bucket(Bucket=env["COMMSYNC_BUCKET_NAME"])
    # THEN they found the stack on moto
    assert table["TableName"] == aws_stack.outputs["StateTableName"]
    assert queue["Attributes"]["QueueArn"].startswith(f"arn:aws:sqs:{aws_stack.region}:")


def test_poll_queue_is_left_to_the_tests(aws_stack: AwsStack) -> None:
    # GIVEN the poller's event source mapping, created from the template
    mappings = aws_stack.client("lambda").list_event_source_mappings(
        FunctionName=aws_stack.function_name("PollerFunction")
    )["EventSourceMappings"]
    # WHEN its state is read
    # THEN the harness disabled it: moto would otherwise receive every job at once and try to run
    # the poller in Docker, so jobs would pile up receive counts and wander to the DLQ
    assert [m["State"] for m in mappings] == ["Disabled"]


def test_deploy_check_deploys_the_template_smokes_it_and_tears_it_down() -> None:
    # GIVEN the deploy check's steps after lint and build (`make deploy-check` runs those too;
    # here the source folders are packaged, so that no package index is needed)
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, str(root / "tools" / "deploy_check.py"), "--from-source"]
    # WHEN it runs against its own moto server (a process of its own: moto's backends are global)
    done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=240, check=False)
    # THEN it packaged, created the stack, made every smoke call, and removed everything
    assert done.returncode == 0, done.stdout + done.stderr
    finished = [line.split(" (")[0] for line in done.stdout.splitlines() if line.startswith("ok  ")]
    assert finished == [
        "ok  sam package, SAM transform, CloudFormation create_stack on moto",
        "ok  smoke: /health, token + authorizer, /integrations, dispatcher",
        "ok  teardown: delete the stack, then the retained table and bucket",
    ]
    assert "moto skipped the types it does not model: AWS::ApiGateway::Stage, AWS::CloudWatch::Alarm" in (
        done.stdout
    )


@pytest.mark.filterwarnings("ignore:Tried to parse")  # the types the session's stack records
def test_the_vpc_and_key_options_deploy_and_reach_the_functions_roles_and_stores(aws_stack: AwsStack) -> None:
    # GIVEN a subnet, a security group and a KMS key on moto, and a second stack of the template
    # created with them (CloudFormation, not this test, decides the conditions and the ARNs)
    from tests.e2e.conftest import ARTEFACT_BUCKET, CODE_KEY, _wait_for_stack, load_template, translate

    ec2, kms = aws_stack.client("ec2"), aws_stack.client("kms")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="commsync-e2e", Description="e2e", VpcId=vpc)["GroupId"]
    key = kms.create_key(Description="commsync e2e data key")["KeyMetadata"]["Arn"]
    options = {"VpcSubnetIds": subnet, "VpcSecurityGroupIds": group, "DataKmsKeyArn": key}
    cloudformation = aws_stack.client("cloudformation")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", aws_stack.region)
        translated = translate(load_template(), {"Bucket": ARTEFACT_BUCKET, "Key": CODE_KEY})
    stack_id = cloudformation.create_stack(
        StackName="commsync-e2e-options",
        TemplateBody=json.dumps(translated),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in options.items()],
        Capabilities=["CAPABILITY_IAM"],
    )["StackId"]
    _wait_for_stack(cloudformation, stack_id)
    resources = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.list_stack_resources(StackName=stack_id)["StackResourceSummaries"]
    }
    try:
        # WHEN the created functions, roles and stores are read back
        lambda_, iam = aws_stack.client("lambda"), aws_stack.client("iam")
        vpc_of = {
            name: lambda_.get_function_configuration(FunctionName=resources[name]).get("VpcConfig", {})
            for name in ("PollerFunction", "ApiFunction", "DispatcherFunction")
        }
        role = resources["PollerFunctionRole"]
        documents = [
            json.dumps(iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"])
            for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
        ]
        encryption = aws_stack.client("s3").get_bucket_encryption(Bucket=resources["BlobBucket"])
        # THEN the mail-talking functions are in the subnet, the poller's role may create its
        # interfaces there, and the bucket is encrypted with the key
        assert vpc_of["PollerFunction"]["SubnetIds"] == vpc_of["ApiFunction"]["SubnetIds"] == [subnet]
        assert vpc_of["PollerFunction"]["SecurityGroupIds"] == [group]
        assert not vpc_of["DispatcherFunction"].get("SubnetIds")
        assert any(f"arn:*:ec2:*:*:subnet/{subnet}" in document for document in documents)
        [rule] = encryption["ServerSideEncryptionConfiguration"]["Rules"]
        assert rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"] == key
    finally:
        cloudformation.delete_stack(StackName=stack_id)
        aws_stack.client("dynamodb").delete_table(TableName=resources["StateTable"])
        aws_stack.client("s3").delete_bucket(Bucket=resources["BlobBucket"])
