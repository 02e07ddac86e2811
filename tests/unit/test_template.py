"""template.yaml keeps the contract the code relies on, and cfn-lint has nothing to say about it.

Offline: the template is read with cfn-lint's YAML loader and translated with aws-sam-translator
(no AWS calls); handlers are parsed with `ast`, never imported.
"""

from __future__ import annotations

import ast
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    APIGatewayProxyEventModel,
    EventBridgeModel,
    SqsModel,
)
from cfnlint.api import lint_file
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

from commsync.models import PollJob
from tests.support.template_conditions import deployed, every_condition, resolve

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
FUNCTIONS = ["DispatcherFunction", "PollerFunction", "ApiFunction"]
SHARED_ENVIRONMENT = {
    "COMMSYNC_TABLE_NAME": {"Ref": "StateTable"},
    "COMMSYNC_BUCKET_NAME": {"Ref": "BlobBucket"},
    "COMMSYNC_QUEUE_URL": {"Ref": "PollQueue"},
    "COMMSYNC_TOPIC_ARN": {"Ref": "NotificationTopic"},
    "COMMSYNC_SECRET_PREFIX": "commsync/",
    "COMMSYNC_AI_UNIT_QUOTA": {"Ref": "AiUnitQuota"},
    "POWERTOOLS_SERVICE_NAME": "commsync",
    "POWERTOOLS_METRICS_NAMESPACE": "commsync",
    "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
    # Tracing=PassThrough also skips the X-Ray SDK's import (commsync/observability.py).
    "POWERTOOLS_TRACE_DISABLED": {"Fn::If": ["TracingActive", "false", "true"]},
}

Template = dict[str, Any]


class _OfflineManagedPolicies:
    """aws-sam-translator's managed-policy lookup, answered without IAM."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def template() -> Template:
    loaded: Template = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))
    return loaded


@pytest.fixture(scope="module")
def translated(template: Template) -> Iterator[Template]:
    """The CloudFormation template SAM would deploy (policy templates expanded into statements)."""
    packaged = json.loads(json.dumps(template))
    for logical_id, resource in packaged["Resources"].items():
        # `sam package` replaces local code folders with the S3 objects it uploaded.
        for uri in ("CodeUri", "ContentUri"):
            if isinstance(resource.get("Properties", {}).get(uri), str):
                resource["Properties"][uri] = f"s3://commsync-artefacts/{logical_id}.zip"
    with pytest.MonkeyPatch.context() as patch:
        # The translator derives the partition from the boto3 session's region.
        patch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        result: Template = transform(packaged, {}, _OfflineManagedPolicies())
        yield result


def _resource(template: Template, logical_id: str) -> dict[str, Any]:
    resource: dict[str, Any] = template["Resources"][logical_id]
    return resource


def _props(template: Template, logical_id: str) -> dict[str, Any]:
    props: dict[str, Any] = _resource(template, logical_id).get("Properties", {})
    return props


def _statements(
    translated: Template, conditions: dict[str, bool] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The roles' statements for these condition values; by default every statement any
    deployment can have (each optional one: VPC, tracing, KMS key)."""
    chosen = deployed(translated, conditions or every_condition(translated, True))
    for logical_id, resource in chosen["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            statements = policy["PolicyDocument"]["Statement"]
            for statement in statements if isinstance(statements, list) else [statements]:
                yield logical_id, statement


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _module_level_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_cfn_lint_reports_nothing() -> None:
    # GIVEN template.yaml
    # WHEN cfn-lint checks it with its default rules (errors and warnings)
    matches = lint_file(TEMPLATE)
    # THEN there is nothing to report
    assert [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches] == []


@pytest.mark.parametrize("logical_id", FUNCTIONS)
def test_function_handler_exists_in_its_code_uri(template: Template, logical_id: str) -> None:
    # GIVEN the function's CodeUri and Handler
    props = _props(template, logical_id)
    module, _, function = props["Handler"].rpartition(".")
    source_file = ROOT / props["CodeUri"] / f"{module.replace('.', '/')}.py"
    # WHEN its module is parsed (not imported)
    assert source_file.is_file(), f"{logical_id}: {source_file.relative_to(ROOT)} is missing"
    names = _module_level_names(source_file.read_text(encoding="utf-8"))
    # THEN it defines the handler at module level
    assert (props["Handler"], function in names) == ("app.lambda_handler", True)


def test_functions_share_the_environment_the_settings_read(template: Template) -> None:
    # GIVEN the Globals every function inherits
    globals_ = template["Globals"]["Function"]
    # WHEN the shared environment is read
    variables = globals_["Environment"]["Variables"]
    # THEN it names exactly the stack's resources and settings, for the runtime `make build` names
    assert variables == SHARED_ENVIRONMENT
    assert template["Parameters"]["PythonRuntime"]["Default"] == "python3.11"
    assert (globals_["Runtime"], globals_["Architectures"], globals_["Tracing"]) == (
        {"Ref": "PythonRuntime"},
        ["x86_64"],
        {"Ref": "Tracing"},
    )
    assert template["Parameters"]["Tracing"]["Default"] == "PassThrough"
    assert globals_["Layers"] == [{"Ref": "CommsyncLayer"}]


def test_layer_is_built_for_the_functions_runtime(template: Template) -> None:
    # GIVEN the layer and the functions' runtime
    layer = _resource(template, "CommsyncLayer")
    runtime = template["Globals"]["Function"]["Runtime"]
    # WHEN SAM builds the layer
    # THEN layers/commsync/Makefile pip-installs it with the interpreter `make build` names
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert "build-CommsyncLayer:" in (ROOT / "layers" / "commsync" / "Makefile").read_text(encoding="utf-8")
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    assert layer["Properties"]["ContentUri"].rstrip("/") == "layers/commsync"
    assert (ROOT / "layers" / "commsync").is_dir()


def test_poller_is_fed_by_the_poll_queue_and_reports_item_failures(template: Template) -> None:
    # GIVEN the poller's events
    poller = _props(template, "PollerFunction")
    events = [e for e in poller["Events"].values() if e["Type"] == "SQS"]
    # WHEN the SQS trigger is read
    # THEN batches of 10 from the poll queue, each failed message returned on its own
    assert len(events) == 1
    sqs = events[0]["Properties"]
    assert sqs["Queue"] == {"Fn::GetAtt": ["PollQueue", "Arn"]}
    assert sqs["BatchSize"] == 10
    assert sqs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert poller["Timeout"] == 900
    assert poller["Environment"]["Variables"] == {
        "COMMSYNC_RESERVE_SECONDS": "60",
        "COMMSYNC_POLL_THREADS": "10",
        "COMMSYNC_SECRET_MAX_AGE_SECONDS": "300",
        "COMMSYNC_INTEGRATION_MAX_AGE_SECONDS": "60",
    }


def test_poll_queue_outlasts_six_poller_timeouts_and_redrives_after_five(template: Template) -> None:
    # GIVEN the poll queue and the poller
    queue = _props(template, "PollQueue")
    poller_timeout = _props(template, "PollerFunction")["Timeout"]
    # WHEN their settings are compared
    # THEN AWS's guidance (visibility >= 6 x timeout) holds and failures reach the DLQ
    assert queue["VisibilityTimeout"] >= 6 * poller_timeout
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["PollDeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    # ... encrypted with SQS's own keys, or with DataKmsKeyArn when one is given
    for logical_id in ("PollQueue", "PollDeadLetterQueue"):
        props = _props(template, logical_id)
        assert resolve(props, {"HasDataKey": False})["SqsManagedSseEnabled"] is True
        assert "KmsMasterKeyId" not in resolve(props, {"HasDataKey": False})
        with_key = resolve(props, {"HasDataKey": True})
        assert (with_key["SqsManagedSseEnabled"], with_key["KmsMasterKeyId"]) == (
            False,
            {"Ref": "DataKmsKeyArn"},
        )


def test_dispatcher_runs_on_the_schedule_parameter(template: Template) -> None:
    # GIVEN the dispatcher's events
    events = _props(template, "DispatcherFunction")["Events"]
    # WHEN the schedule is read
    schedules = [e["Properties"] for e in events.values() if e["Type"] == "Schedule"]
    # THEN it follows the parameter, every 5 minutes by default
    assert [s["Schedule"] for s in schedules] == [{"Ref": "ScheduleExpression"}]
    assert template["Parameters"]["ScheduleExpression"]["Default"] == "rate(5 minutes)"


def test_api_serves_health_and_routes_everything_else_to_the_handler(template: Template) -> None:
    # GIVEN the API function's events
    events = _props(template, "ApiFunction")["Events"].values()
    # WHEN the routes are listed
    routes = {(e["Properties"]["Path"], e["Properties"]["Method"].upper()) for e in events}
    # THEN the public GETs (health, the API's description, the OAuth callback, the console's
    # page and assets) and a catch-all behind the token authorizer, all on the v1 stage
    assert routes == {
        ("/health", "GET"),
        ("/openapi.json", "GET"),
        ("/docs", "GET"),
        ("/external/{provider}/oauth2/callback", "GET"),
        ("/console", "GET"),
        ("/console/{proxy+}", "GET"),
        ("/{proxy+}", "ANY"),
    }
    public = {
        e["Properties"]["Path"] for e in events if e["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert public == {p for p, _ in routes} - {"/{proxy+}"}
    assert {e["Properties"]["RestApiId"]["Ref"] for e in events} == {"ManagementApi"}
    assert _props(template, "ManagementApi")["StageName"] == "v1"


def test_table_has_keys_due_index_ttl_and_recovery(template: Template) -> None:
    # GIVEN the state table
    table = _props(template, "StateTable")
    # WHEN its schema is read
    indexes = {i["IndexName"]: i for i in table["GlobalSecondaryIndexes"]}
    # THEN pk/sk, the dispatcher's due-index, expiring items (OAuth states), PITR and encryption
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert indexes["due-index"]["KeySchema"] == [
        {"AttributeName": "due", "KeyType": "HASH"},
        {"AttributeName": "next_poll_at", "KeyType": "RANGE"},
    ]
    assert indexes["due-index"]["Projection"] == {"ProjectionType": "ALL"}
    # ... and the comment feed's changes-index (bucket, change_key), for the API's cursor reads
    assert indexes["changes-index"]["KeySchema"] == [
        {"AttributeName": "bucket", "KeyType": "HASH"},
        {"AttributeName": "change_key", "KeyType": "RANGE"},
    ]
    assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
        "pk": "S",
        "sk": "S",
        "due": "S",
        "next_poll_at": "S",
        "bucket": "S",
        "change_key": "S",
    }
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert resolve(table["SSESpecification"], {"HasDataKey": False}) == {"SSEEnabled": True}
    assert resolve(table["SSESpecification"], {"HasDataKey": True}) == {
        "SSEEnabled": True,
        "SSEType": "KMS",
        "KMSMasterKeyId": {"Ref": "DataKmsKeyArn"},
    }


def test_bucket_is_private_encrypted_versioned_and_tls_only(template: Template) -> None:
    # GIVEN the blob bucket and its policy
    bucket = _props(template, "BlobBucket")
    policy = _props(template, "BlobBucketPolicy")
    # WHEN they are read
    sse = resolve(bucket["BucketEncryption"], {"HasDataKey": False})
    encryption = sse["ServerSideEncryptionConfiguration"]
    deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    # THEN nothing can be public, objects are encrypted and versioned, plain HTTP is refused
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert [e["ServerSideEncryptionByDefault"]["SSEAlgorithm"] for e in encryption] == ["AES256"]
    with_key = resolve(bucket["BucketEncryption"], {"HasDataKey": True})["ServerSideEncryptionConfiguration"]
    assert with_key == [
        {
            "ServerSideEncryptionByDefault": {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": {"Ref": "DataKmsKeyArn"},
            },
            "BucketKeyEnabled": True,
        }
    ]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert policy["Bucket"] == {"Ref": "BlobBucket"}
    assert [(s["Action"], s["Condition"]) for s in deny] == [
        ("s3:*", {"Bool": {"aws:SecureTransport": "false"}})
    ]


# Actions IAM grants on no narrower resource than "*" (service authorization reference).
UNSCOPABLE_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
}


def test_no_iam_statement_grants_every_resource_except_unscopable_actions(translated: Template) -> None:
    # GIVEN every statement of every role, each optional one (VPC, tracing, KMS key) included
    statements = list(_statements(translated))
    # WHEN the statements on Resource "*" are collected
    unscoped = [
        (role, statement["Action"])
        for role, statement in statements
        if "*" in _as_list(statement["Resource"])
        and not set(_as_list(statement["Action"])) <= UNSCOPABLE_ACTIONS
    ]
    # THEN there are none: least privilege, scoped to the stack's own resources (and the API
    # Gateway logging role, created only on request, whose managed policy is AWS's own)
    roles = {role for role, _ in statements}
    assert roles == {f"{f}Role" for f in [*FUNCTIONS, "AuthorizerFunction"]}
    assert unscoped == []
    # ... and no role carries a managed policy (SAM adds none: each function names its role)
    assert [
        logical_id
        for logical_id, resource in translated["Resources"].items()
        if resource["Type"] == "AWS::IAM::Role" and resource["Properties"].get("ManagedPolicyArns")
    ] == ["ApiGatewayLoggingRole"]


def test_secret_access_is_limited_to_the_secret_prefix(translated: Template) -> None:
    # GIVEN the statements that mention Secrets Manager
    resources = [
        json.dumps(statement["Resource"])
        for _, statement in _statements(translated)
        if any(str(a).startswith("secretsmanager:") for a in _as_list(statement["Action"]))
    ]
    # WHEN their resources are read
    # THEN each is the secrets under COMMSYNC_SECRET_PREFIX (poller reads, API manages)
    assert len(resources) == 2
    assert all(":secret:commsync/*" in resource for resource in resources)


def test_failures_raise_alarms_on_the_notification_topic(template: Template) -> None:
    # GIVEN the alarms
    alarms = [
        r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    # WHEN their subjects are listed
    watched = {(a["MetricName"], json.dumps(a["Dimensions"][0]["Value"], sort_keys=True)) for a in alarms}
    # THEN a message in the DLQ, a poll job waiting too long (polls behind schedule) and any
    # error of each function notify the topic; the queues are named by reference, whatever
    # their type (a FIFO queue's name ends in .fifo)
    assert watched == {
        (
            "ApproximateNumberOfMessagesVisible",
            json.dumps({"Fn::GetAtt": ["PollDeadLetterQueue", "QueueName"]}),
        ),
        ("ApproximateAgeOfOldestMessage", json.dumps({"Fn::GetAtt": ["PollQueue", "QueueName"]})),
        *{("Errors", json.dumps({"Ref": f})) for f in FUNCTIONS},
    }
    assert all(a["AlarmActions"] == [{"Ref": "NotificationTopic"}] for a in alarms)
    thresholds = {a["MetricName"] + ":" + a["Dimensions"][0]["Name"]: a["Threshold"] for a in alarms}
    assert thresholds.pop("ApproximateAgeOfOldestMessage:QueueName") == {"Ref": "PollQueueAgeAlarmSeconds"}
    assert template["Parameters"]["PollQueueAgeAlarmSeconds"]["Default"] == 900
    assert set(thresholds.values()) == {0}
    assert all(a["ComparisonOperator"] == "GreaterThanThreshold" for a in alarms)


def test_email_subscription_exists_only_when_an_address_is_given(template: Template) -> None:
    # GIVEN the optional NotificationEmail parameter
    subscriptions = [r for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Subscription"]
    # WHEN the subscription's condition is read
    condition = template["Conditions"][subscriptions[0]["Condition"]]
    # THEN it subscribes that address only when it is not empty
    assert template["Parameters"]["NotificationEmail"]["Default"] == ""
    assert condition == {"Fn::Not": [{"Fn::Equals": [{"Ref": "NotificationEmail"}, ""]}]}
    assert subscriptions[0]["Properties"]["Endpoint"] == {"Ref": "NotificationEmail"}


def test_alarms_and_functions_can_publish_to_the_encrypted_topic(translated: Template) -> None:
    # GIVEN the notification topic, its key and the roles that publish to it
    default = every_condition(translated, False) | {"UsesStackNotificationKey": True}
    topic = resolve(_props(translated, "NotificationTopic"), default)
    key_policy = _props(translated, "NotificationKey")["KeyPolicy"]["Statement"]
    kms_grants = {
        role: statement["Resource"]
        for role, statement in _statements(translated, default)
        if "kms:GenerateDataKey" in _as_list(statement["Action"])
    }
    # WHEN the encryption is read
    cloudwatch = [s for s in key_policy if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    # THEN it is a key whose policy lets CloudWatch alarms publish (aws/sns cannot), and the
    # functions that publish may use it
    assert topic["KmsMasterKeyId"] == {"Ref": "NotificationKey"}
    assert [sorted(s["Action"]) for s in cloudwatch] == [["kms:Decrypt", "kms:GenerateDataKey*"]]
    # (only the poller publishes; the API subscribes, which needs no key)
    assert kms_grants == {"PollerFunctionRole": {"Fn::GetAtt": ["NotificationKey", "Arn"]}}


def test_outputs_name_what_operators_and_tests_look_up(template: Template) -> None:
    # GIVEN the outputs
    # WHEN their names are listed
    # THEN each resource an operator or a test needs is there
    assert set(template["Outputs"]) == {
        "StateTableName",
        "BlobBucketName",
        "PollQueueUrl",
        "PollDeadLetterQueueUrl",
        "NotificationTopicArn",
        "ManagementApiUrl",
        "DispatcherFunctionName",
        "PollerFunctionName",
        "ApiFunctionName",
    }


def test_samconfig_deploys_the_commsync_stack_with_iam_capability() -> None:
    # GIVEN samconfig.toml
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    # WHEN the defaults are read
    deploy = config["default"]["deploy"]["parameters"]
    # THEN `sam deploy` targets the commsync stack and asks before changing it
    assert config["version"] == 0.1
    assert config["default"]["global"]["parameters"]["stack_name"] == "commsync"
    assert (deploy["capabilities"], deploy["resolve_s3"], deploy["confirm_changeset"]) == (
        "CAPABILITY_IAM",
        True,
        True,
    )


def test_sample_events_are_what_the_triggers_send(template: Template) -> None:
    # GIVEN the sample events in events/
    events = ROOT / "events"
    # WHEN each is parsed with the Powertools model of its trigger
    schedule = EventBridgeModel.model_validate_json((events / "schedule.json").read_text())
    sqs = SqsModel.model_validate_json((events / "sqs_poll.json").read_text())
    api = APIGatewayProxyEventModel.model_validate_json((events / "api_health.json").read_text())
    # THEN they are well-formed, carry poll jobs, and hit a route of the API
    assert schedule.detail_type == "Scheduled Event"
    assert len(sqs.Records) == 2
    jobs = [PollJob.model_validate_json(r.body) for r in sqs.Records if isinstance(r.body, str)]
    assert [job.mailbox.address for job in jobs] == ["ann.lee@northwind.example"] * 2
    assert (api.httpMethod, api.resource, api.requestContext.stage) == ("GET", "/health", "v1")
