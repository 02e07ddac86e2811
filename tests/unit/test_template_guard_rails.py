"""The template's production options (issue 22): VPC, KMS key, concurrency, API stage guard rails.

Each option is read as CloudFormation would deploy it: the parameters' values decide the
conditions (tests/support/template_conditions.py evaluates them), the conditions decide every
Fn::If, and the ARNs built with Join/Split/Sub are evaluated to the strings IAM will see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from samtranslator.translator.transform import transform

from tests.support.template_conditions import (
    as_list,
    conditions_for,
    deployed,
    evaluate,
    parameter_values,
    role_statements,
)

ROOT = Path(__file__).resolve().parents[2]
Template = dict[str, Any]
MAIL_FUNCTIONS = {"PollerFunction", "ApiFunction"}
VPC = {"VpcSubnetIds": "subnet-0a1,subnet-0b2", "VpcSecurityGroupIds": "sg-0c3"}
DATA_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def translated() -> Iterator[Template]:
    template = json.loads(json.dumps(cfn_yaml.load(str(ROOT / "template.yaml"))))
    for resource in template["Resources"].values():
        for uri in ("CodeUri", "ContentUri"):
            if isinstance(resource.get("Properties", {}).get(uri), str):
                resource["Properties"][uri] = "s3://commsync-artefacts/code.zip"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        yield transform(template, {}, _NoManagedPolicies())


def _deploy(translated: Template, **given: str) -> tuple[Template, dict[str, Any], dict[str, bool]]:
    """The resources created for these parameter values, and the values and conditions."""
    parameters = parameter_values(translated, **given)
    conditions = conditions_for(translated, parameters)
    return deployed(translated, conditions), parameters, conditions


def _actions(template: Template, role: str) -> set[str]:
    return {a for r, s in role_statements(template) if r == role for a in as_list(s["Action"])}


def test_without_vpc_parameters_no_function_joins_a_vpc_or_may_create_interfaces(
    translated: Template,
) -> None:
    # GIVEN the stack deployed with the defaults
    stack, _, conditions = _deploy(translated)
    # WHEN the functions and roles are read
    with_vpc = [k for k, r in stack["Resources"].items() if "VpcConfig" in r.get("Properties", {})]
    ec2 = {role for role, s in role_statements(stack) for a in as_list(s["Action"]) if a.startswith("ec2:")}
    # THEN none is in a VPC, and no role may touch network interfaces
    assert conditions["HasVpc"] is False
    assert (with_vpc, ec2) == ([], set())


def test_vpc_parameters_put_the_mail_talking_functions_in_the_subnets(translated: Template) -> None:
    # GIVEN the stack deployed with two subnets and a security group
    stack, parameters, conditions = _deploy(translated, **VPC)
    # WHEN the functions' VpcConfig is read
    vpc = {
        logical_id: evaluate(resource["Properties"]["VpcConfig"], parameters, conditions)
        for logical_id, resource in stack["Resources"].items()
        if "VpcConfig" in resource.get("Properties", {})
    }
    # THEN the poller and the API (mail servers, identity platforms) are in them, no other
    network = {"SubnetIds": ["subnet-0a1", "subnet-0b2"], "SecurityGroupIds": ["sg-0c3"]}
    assert vpc == {function: network for function in MAIL_FUNCTIONS}


def test_vpc_roles_may_create_interfaces_only_in_the_given_subnets_and_groups(translated: Template) -> None:
    # GIVEN the stack deployed with two subnets and a security group
    stack, parameters, conditions = _deploy(translated, **VPC)
    # WHEN the CreateNetworkInterface resources are evaluated to the ARNs IAM sees
    creates = {
        role: sorted(evaluate(s["Resource"], parameters, conditions))
        for role, s in role_statements(stack)
        if "ec2:CreateNetworkInterface" in as_list(s["Action"])
    }
    # THEN each mail-talking role may create interfaces in exactly those subnets and that group
    arns = [
        "arn:*:ec2:*:*:security-group/sg-0c3",
        "arn:*:ec2:*:*:subnet/subnet-0a1",
        "arn:*:ec2:*:*:subnet/subnet-0b2",
        "arn:aws:ec2:eu-west-1:123456789012:network-interface/*",
    ]
    assert creates == {f"{function}Role": arns for function in MAIL_FUNCTIONS}
    assert {"ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces"} <= _actions(
        stack, "PollerFunctionRole"
    )
    assert not any(a.startswith("ec2:") for a in _actions(stack, "DispatcherFunctionRole"))


def test_a_security_group_without_subnets_still_asks_for_a_vpc_so_lambda_refuses_it(
    translated: Template,
) -> None:
    # GIVEN only one of the two VPC lists
    # WHEN the condition is evaluated
    _, _, conditions = _deploy(translated, VpcSecurityGroupIds="sg-0c3")
    # THEN the VpcConfig is written anyway: Lambda rejects it loudly instead of a silent no-VPC
    assert conditions["HasVpc"] is True


@pytest.mark.parametrize(("given", "expected"), [("0", None), ("20", 20)])
def test_poller_reserved_concurrency_is_set_only_when_asked(
    translated: Template, given: str, expected: int | None
) -> None:
    # GIVEN a PollerReservedConcurrency
    stack, parameters, conditions = _deploy(translated, PollerReservedConcurrency=given)
    # WHEN the poller is read
    reserved = stack["Resources"]["PollerFunction"]["Properties"].get("ReservedConcurrentExecutions")
    # THEN 0 reserves nothing (new accounts could not deploy it) and a number is reserved
    value = evaluate(reserved, parameters, conditions) if reserved is not None else None
    assert (int(value) if value is not None else None) == expected
    assert translated["Parameters"]["PollerReservedConcurrency"]["Default"] == 0


@pytest.mark.parametrize("tracing", ["Active", "PassThrough"])
def test_api_stage_is_throttled_logged_and_traced_as_the_parameters_say(
    translated: Template, tracing: str
) -> None:
    # GIVEN the stack deployed with a tracing mode
    stack, parameters, conditions = _deploy(translated, Tracing=tracing)
    # WHEN the API stage is read
    [stage] = [r["Properties"] for r in stack["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    stage = evaluate(stage, parameters, conditions)
    # THEN throttling follows the rate and burst, access logs go to the stack's group, and
    # tracing follows the Tracing parameter (no longer hard-coded)
    assert stage["TracingEnabled"] is (tracing == "Active")
    assert stage["MethodSettings"] == [
        {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": "50", "ThrottlingBurstLimit": "100"}
    ]
    assert stage["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    logged = set(re.findall(r"\$context\.[\w.]+", stage["AccessLogSetting"]["Format"]))
    # ... never a token or a query string (OAuth codes), which would put secrets in the logs
    assert "$context.requestId" in logged
    assert not {v for v in logged if "authorization" in v.lower() or "querystring" in v.lower()}


def test_api_access_logs_can_be_turned_off(translated: Template) -> None:
    # GIVEN ApiAccessLogs=Disabled
    stack, _, _ = _deploy(translated, ApiAccessLogs="Disabled")
    # WHEN the stage and the log groups are read
    [stage] = [r["Properties"] for r in stack["Resources"].values() if r["Type"] == "AWS::ApiGateway::Stage"]
    # THEN neither the setting nor its log group exists, nor the account logging role by default
    assert "AccessLogSetting" not in stage
    assert not {"ApiAccessLogGroup", "ApiGatewayAccount", "ApiGatewayLoggingRole"} & stack["Resources"].keys()


def test_a_data_key_encrypts_bucket_table_queues_and_topic_and_the_roles_may_use_it(
    translated: Template,
) -> None:
    # GIVEN the stack deployed with a customer managed key
    stack, parameters, conditions = _deploy(translated, DataKmsKeyArn=DATA_KEY)
    resources = {k: evaluate(r, parameters, conditions) for k, r in stack["Resources"].items()}
    # WHEN each store's encryption is read
    props = {k: r.get("Properties", {}) for k, r in resources.items()}
    [bucket_rule] = props["BlobBucket"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    key_users = {
        r for r, s in role_statements({"Resources": resources}) if DATA_KEY in as_list(s["Resource"])
    }
    # THEN all four use the key, the stack makes no key of its own, and the roles that write
    # or read encrypted data may use it (the authorizer reads DynamoDB only, which needs none)
    assert bucket_rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"] == DATA_KEY
    assert props["StateTable"]["SSESpecification"]["KMSMasterKeyId"] == DATA_KEY
    assert props["PollQueue"]["KmsMasterKeyId"] == props["PollDeadLetterQueue"]["KmsMasterKeyId"] == DATA_KEY
    assert props["NotificationTopic"]["KmsMasterKeyId"] == DATA_KEY
    assert "NotificationKey" not in resources
    assert key_users == {"DispatcherFunctionRole", "PollerFunctionRole", "ApiFunctionRole"}


def test_a_key_arn_that_is_not_one_is_refused_before_anything_is_created(translated: Template) -> None:
    # GIVEN the DataKmsKeyArn parameter's pattern
    pattern = re.compile(translated["Parameters"]["DataKmsKeyArn"]["AllowedPattern"])
    # WHEN values are matched (CloudFormation refuses the stack on a mismatch)
    # THEN empty and key ARNs pass (a multi-Region one too); an alias or a bare key id does not
    multi_region = "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"
    alias = "arn:aws:kms:eu-west-1:123456789012:alias/commsync"
    values = ["", DATA_KEY, multi_region, alias, "1234abcd-12ab-34cd-56ef-1234567890ab"]
    assert [bool(pattern.fullmatch(v)) for v in values] == [True, True, True, False, False]


def test_every_function_runs_on_the_runtime_parameter_and_logs_to_its_own_group(translated: Template) -> None:
    # GIVEN the stack deployed for Python 3.12
    stack, parameters, conditions = _deploy(translated, PythonRuntime="python3.12")
    functions = {
        k: evaluate(r["Properties"], parameters, conditions)
        for k, r in stack["Resources"].items()
        if r["Type"] == "AWS::Lambda::Function"
    }
    [layer] = [
        evaluate(r["Properties"], parameters, conditions)
        for r in stack["Resources"].values()
        if r["Type"] == "AWS::Lambda::LayerVersion"
    ]
    # WHEN their runtimes and log groups are read
    # THEN all run on it, the layer is declared for it, and each writes to its own group only
    assert {f["Runtime"] for f in functions.values()} == {"python3.12"}
    assert layer["CompatibleRuntimes"] == ["python3.12"]
    for logical_id, function in functions.items():
        group = function["LoggingConfig"]["LogGroup"]["Ref"]
        role = function["Role"]["Fn::GetAtt"][0]
        writes = [
            s["Resource"]
            for r, s in role_statements(stack)
            if r == role and "logs:PutLogEvents" in s["Action"]
        ]
        assert (logical_id, writes) == (logical_id, [{"Fn::GetAtt": [group, "Arn"]}])
