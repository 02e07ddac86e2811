"""The stack that template.yaml describes, created on moto, for template-driven end-to-end tests.

`aws_stack` (session scope) starts moto in server mode on loopback, points every boto3 client
of this process at it (AWS_ENDPOINT_URL), translates template.yaml with aws-sam-translator as
CloudFormation's SAM transform would, and creates the stack in moto's CloudFormation. Nothing
is copied from the template by hand: the table, queues, bucket, topic and functions come from
the template's own properties, and a handler under test gets exactly the environment the
template gives it (`function_environment`, read back from moto's Lambda after Ref/GetAtt were
resolved).

What moto's CloudFormation does differently from AWS, and what this harness does about it:
- It skips resource types it does not model (AWS::CloudWatch::Alarm, AWS::ApiGateway::Stage,
  AWS::S3::BucketPolicy, AWS::SNS::Subscription) with a warning; they are recorded in
  `skipped_resource_types`. tests/unit/test_template.py checks their properties instead.
- It creates AWS::ApiGateway::RestApi without importing its Body (the OpenAPI document SAM
  generates), so the API has no methods and the AWS::ApiGateway::Deployment fails. That one
  type is dropped before creation; handlers are invoked with API Gateway events directly.
- It ignores some properties: DynamoDB TimeToLiveSpecification and PointInTimeRecovery, S3
  PublicAccessBlockConfiguration, VersioningConfiguration and OwnershipControls. `_complete_*`
  applies them afterwards from the same template properties (their CloudFormation and API
  shapes are identical; the lifecycle rules, whose shapes differ, are left to the unit tests).
- Its SQS hands every sent message to an enabled Lambda event source mapping at once and runs
  the function in Docker; without Docker that fails, the message turns visible again with one
  more receive, and after five sends jobs land in the DLQ. The mapping is created as the
  template says and then disabled: the tests play the Lambda service (receive, call the
  handler, delete).

moto's server runs in this process and shares moto's global backends: a `mock_aws()` started
while this session fixture lives resets them. Tests under tests/e2e use `aws_stack` only.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto.server import ThreadedMotoServer
from samtranslator.translator.transform import transform

from tests.support.aws_calls import RECORDED
from tests.support.handlers import LambdaContext, sqs_event

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
REGION: Final = "eu-west-1"
STACK_NAME = "commsync-e2e"
ARTEFACT_BUCKET = "commsync-e2e-artefacts"
CODE_KEY = "placeholder.zip"
STACK_TIMEOUT_SECONDS = 60.0

# moto's CloudFormation accepts the RestApi but not its OpenAPI Body (see the module docstring).
DROPPED_RESOURCE_TYPES = frozenset({"AWS::ApiGateway::Deployment"})

Template = dict[str, Any]


@dataclass(frozen=True)
class AwsStack:
    """The created stack: where moto listens, the stack's outputs and physical resource ids."""

    endpoint_url: str
    region: str
    stack_name: str
    template: Template  # template.yaml as written (SAM)
    translated: Template  # what was sent to CloudFormation
    outputs: dict[str, str]
    physical_ids: dict[str, str]  # logical id -> physical id, for the resources moto created
    skipped_resource_types: frozenset[str] = field(default_factory=frozenset)

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=self.region, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    def function_name(self, logical_id: str) -> str:
        return self.physical_ids[logical_id]

    def drain_poll_queue(self, poller: ModuleType) -> list[dict[str, Any]]:
        """Play the Lambda service's SQS poller: batches of 10 to the handler until the queue is
        empty, deleting what the handler did not report as failed."""
        sqs, queue_url = self.client("sqs"), self.outputs["PollQueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        responses = []
        while messages := sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", []):
            response = poller.lambda_handler(sqs_event(messages, arn), LambdaContext("poller"))
            failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
            for message in messages:
                if message["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            responses.append(response)
        return responses

    def comment_keys(self, project: str) -> set[str]:
        """The comment objects in the stack's bucket under comments/<project>/."""
        pages = (
            self.client("s3")
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self.outputs["BlobBucketName"], Prefix=f"comments/{project}/")
        )
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def function_environment(self, logical_id: str) -> dict[str, str]:
        """The function's environment variables as Lambda holds them, Ref/GetAtt resolved."""
        config = self.client("lambda").get_function_configuration(FunctionName=self.function_name(logical_id))
        variables = config.get("Environment", {}).get("Variables", {})
        # Lambda stores strings; moto keeps a resolved Ref to a Number parameter as an int.
        return {name: str(value) for name, value in variables.items()}


class _ManagedPolicyLoader:
    """What aws-sam-translator asks IAM for (managed policy name -> ARN), answered offline."""

    def __init__(self, template: Template) -> None:
        self._names = {
            policy
            for resource in template["Resources"].values()
            if resource.get("Type") == "AWS::Serverless::Function"
            for policy in _as_list(resource.get("Properties", {}).get("Policies", []))
            if isinstance(policy, str) and not policy.startswith("arn:")
        }

    def load(self) -> dict[str, str]:
        return {name: f"arn:aws:iam::aws:policy/{name}" for name in self._names}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def load_template(path: Path = TEMPLATE) -> Template:
    """template.yaml as plain JSON-able data, short-form intrinsics (!Ref) in long form."""
    loaded: Template = json.loads(json.dumps(cfn_yaml.load(str(path))))
    return loaded


def _placeholder_zip() -> bytes:
    # Lambda creation needs a real object; moto never runs it (handlers run in the test process).
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def lambda_handler(event, context):\n    return None\n")
    return buffer.getvalue()


def translate(template: Template, code_location: dict[str, str]) -> Template:
    """The CloudFormation template `sam deploy` would submit, with code taken from `code_location`."""
    sam = json.loads(json.dumps(template))
    uri_property = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri"}
    for resource in sam["Resources"].values():
        prop = uri_property.get(resource["Type"])
        if prop and isinstance(resource["Properties"].get(prop), str):
            resource["Properties"][prop] = dict(code_location)
    translated: Template = transform(sam, {}, _ManagedPolicyLoader(sam))
    for logical_id in [
        logical_id
        for logical_id, resource in translated["Resources"].items()
        if resource["Type"] in DROPPED_RESOURCE_TYPES
    ]:
        del translated["Resources"][logical_id]
    return translated


def _wait_for_stack(cloudformation: Any, stack_name: str) -> dict[str, Any]:
    deadline = time.monotonic() + STACK_TIMEOUT_SECONDS
    while True:
        stack: dict[str, Any] = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if stack["StackStatus"] != "CREATE_COMPLETE":
        events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
        lines = [
            f"{e.get('LogicalResourceId')} {e.get('ResourceStatus')} {e.get('ResourceStatusReason', '')}"
            for e in events
        ]
        pytest.fail(f"stack {stack_name} is {stack['StackStatus']}:\n" + "\n".join(lines))
    return stack


def _skipped_types(caught: list[warnings.WarningMessage]) -> frozenset[str]:
    pattern = re.compile(r"Tried to parse (\S+) but it's not supported")
    return frozenset(m.group(1) for w in caught if (m := pattern.search(str(w.message))))


def _complete_table(stack: AwsStack, physical_id: str, properties: dict[str, Any]) -> None:
    dynamodb = stack.client("dynamodb")
    if ttl := properties.get("TimeToLiveSpecification"):
        dynamodb.update_time_to_live(TableName=physical_id, TimeToLiveSpecification=ttl)
    if pitr := properties.get("PointInTimeRecoverySpecification"):
        dynamodb.update_continuous_backups(TableName=physical_id, PointInTimeRecoverySpecification=pitr)


def _complete_bucket(stack: AwsStack, physical_id: str, properties: dict[str, Any]) -> None:
    # The deny-non-TLS bucket policy is deliberately not applied: moto speaks plain HTTP.
    s3 = stack.client("s3")
    if block := properties.get("PublicAccessBlockConfiguration"):
        s3.put_public_access_block(Bucket=physical_id, PublicAccessBlockConfiguration=block)
    if versioning := properties.get("VersioningConfiguration"):
        s3.put_bucket_versioning(Bucket=physical_id, VersioningConfiguration=versioning)
    if ownership := properties.get("OwnershipControls"):
        s3.put_bucket_ownership_controls(Bucket=physical_id, OwnershipControls=ownership)


def _disable_event_source_mapping(stack: AwsStack, physical_id: str, _: dict[str, Any]) -> None:
    stack.client("lambda").update_event_source_mapping(UUID=physical_id, Enabled=False)


Completer = Callable[[AwsStack, str, dict[str, Any]], None]
COMPLETERS: dict[str, Completer] = {
    "AWS::DynamoDB::Table": _complete_table,
    "AWS::S3::Bucket": _complete_bucket,
    "AWS::Lambda::EventSourceMapping": _disable_event_source_mapping,
}


def create_stack(endpoint_url: str) -> AwsStack:
    template = load_template()
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint_url)
    s3.create_bucket(Bucket=ARTEFACT_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=ARTEFACT_BUCKET, Key=CODE_KEY, Body=_placeholder_zip())
    translated = translate(template, {"Bucket": ARTEFACT_BUCKET, "Key": CODE_KEY})

    cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint_url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cloudformation.create_stack(
            StackName=STACK_NAME,
            TemplateBody=json.dumps(translated),
            Capabilities=["CAPABILITY_IAM"],
        )
        described = _wait_for_stack(cloudformation, STACK_NAME)
        summaries = cloudformation.list_stack_resources(StackName=STACK_NAME)["StackResourceSummaries"]
    stack = AwsStack(
        endpoint_url=endpoint_url,
        region=REGION,
        stack_name=STACK_NAME,
        template=template,
        translated=translated,
        outputs={o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])},
        physical_ids={
            s["LogicalResourceId"]: s["PhysicalResourceId"]
            for s in summaries
            if s.get("LogicalResourceId") and s.get("PhysicalResourceId")
        },
        skipped_resource_types=_skipped_types(caught),
    )
    for logical_id, resource in translated["Resources"].items():
        completer = COMPLETERS.get(resource["Type"])
        if completer and logical_id in stack.physical_ids:
            completer(stack, stack.physical_ids[logical_id], resource.get("Properties", {}))
    return stack


@pytest.fixture(scope="session")
def aws_stack() -> Iterator[AwsStack]:
    """The stack of template.yaml on a moto server; every boto3 client of the session uses it."""
    werkzeug_logger = logging.getLogger("werkzeug")
    previous_level = werkzeug_logger.level
    werkzeug_logger.setLevel(logging.WARNING)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
                patch.delenv(name, raising=False)
            patch.setenv("AWS_ACCESS_KEY_ID", "testing")
            patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
            # Neither a developer's ~/.aws nor a real account can leak into the tests.
            patch.setenv("AWS_CONFIG_FILE", str(ROOT / "tests" / "e2e" / "no-such-aws-config"))
            patch.setenv(
                "AWS_SHARED_CREDENTIALS_FILE", str(ROOT / "tests" / "e2e" / "no-such-aws-credentials")
            )
            patch.setenv("AWS_DEFAULT_REGION", REGION)
            patch.setenv("AWS_REGION", REGION)
            patch.setenv("AWS_ENDPOINT_URL", endpoint_url)
            boto3.setup_default_session()  # a session of these settings, and of the recorder:
            RECORDED.install(boto3.DEFAULT_SESSION)  # type: ignore[arg-type]
            yield create_stack(endpoint_url)
    finally:
        server.stop()
        werkzeug_logger.setLevel(previous_level)
