"""`make deploy-check`: the dry run of a deploy, into a local moto server instead of an AWS account.

1. `sam validate --lint` (cfn-lint's rules on template.yaml).
2. `sam build` for the given Lambda runtime (no Docker), unless --skip-build.
3. moto in server mode on loopback; `sam package` uploads the built code to a bucket there.
4. The SAM transform of the packaged template, as CloudFormation applies it on AWS (with
   aws-sam-translator, the library CloudFormation's transform is), then a CloudFormation
   create_stack of the result in moto, waited for until CREATE_COMPLETE.
5. Smoke calls (tools/deploy_check_smoke.py) through the stack's outputs and the deployed
   functions' environments: GET /health of the built API function, a token created with
   `commsync token create --table` accepted by the built authorizer, GET /integrations with it,
   and the dispatcher's scheduled run.
6. Teardown: delete_stack, then the retained table and bucket (docs/deploying.md, "Teardown").

Where moto differs from AWS, and so what this does NOT prove (docs/deploying.md says the same):
moto runs Lambda functions only in Docker, so the built handlers run in a child process with the
deployed function's environment (tools/invoke_handler.py), not in the Lambda service; moto's
CloudFormation cannot import the REST API's OpenAPI body, so the API Gateway deployment is left
out and the API is called through its handler; moto evaluates no IAM (tests/e2e checks the
grants) and skips alarms, the API stage, the bucket policy and subscriptions.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import cfn_yaml
from deploy_check_smoke import REGION, ROOT, STACK, Code, run, smoke  # tools/, this script's folder
from moto.server import ThreadedMotoServer
from samtranslator.translator.transform import transform

PACKAGED = ROOT / ".aws-sam" / "deploy-check-packaged.yaml"
ARTEFACTS = "commsync-deploy-check-artefacts"
TIMEOUT_SECONDS = 120.0
# moto's CloudFormation creates the RestApi without its OpenAPI Body; the Deployment then fails.
MOTO_UNSUPPORTED = frozenset({"AWS::ApiGateway::Deployment"})


def _aws_environment(endpoint_url: str) -> dict[str, str]:
    """This process's environment pointed at moto: no profile, no real credentials, no ~/.aws."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env | {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint_url,
        "SAM_CLI_TELEMETRY": "0",
    }


def _sam(*args: str, env: dict[str, str] | None = None) -> str:
    return run([str(Path(sys.executable).with_name("sam")), *args], env)


@contextmanager
def _step(title: str) -> Iterator[None]:
    started = time.monotonic()
    print(f"... {title}", flush=True)
    yield
    print(f"ok  {title} ({time.monotonic() - started:.1f} s)", flush=True)


class _NoManagedPolicies:
    """The translator's managed-policy lookup: the template names its roles' statements itself."""

    def load(self) -> dict[str, str]:
        return {}


def cloudformation_template(packaged: Path, parameters: dict[str, str]) -> dict[str, Any]:
    """The packaged SAM template transformed as CloudFormation would, minus what moto cannot create."""
    sam = json.loads(json.dumps(cfn_yaml.load(str(packaged))))
    translated: dict[str, Any] = transform(sam, parameters, _NoManagedPolicies())
    for logical_id, resource in list(translated["Resources"].items()):
        if resource["Type"] in MOTO_UNSUPPORTED:
            del translated["Resources"][logical_id]
    return translated


def _wait(cloudformation: Any, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while True:
        stacks = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
        stack: dict[str, Any] = stacks[0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if stack["StackStatus"] != status:
        events = cloudformation.describe_stack_events(StackName=STACK)["StackEvents"]
        reasons = [f"{e['LogicalResourceId']}: {e.get('ResourceStatusReason', '')}" for e in events]
        raise SystemExit(f"stack is {stack['StackStatus']}, not {status}:\n" + "\n".join(reasons))
    return stack


def deploy(env: dict[str, str], runtime: str, code: Code) -> dict[str, str]:
    """Package, transform and create the stack; its outputs."""
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"])
    s3.create_bucket(Bucket=ARTEFACTS, CreateBucketConfiguration={"LocationConstraint": REGION})
    PACKAGED.parent.mkdir(parents=True, exist_ok=True)  # a clean clone (--from-source) has no .aws-sam yet
    _sam(
        "package",
        *("--config-file", str(ROOT / "samconfig.toml"), "--config-env", "deploy-check"),
        *("--template-file", str(code.template), "--output-template-file", str(PACKAGED)),
        env=env,
    )
    parameters = {"PythonRuntime": runtime}
    template = cloudformation_template(PACKAGED, parameters)
    cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"])
    cloudformation.create_stack(
        StackName=STACK,
        TemplateBody=json.dumps(template),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    stack = _wait(cloudformation, "CREATE_COMPLETE")
    created = {
        r["LogicalResourceId"]
        for r in cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    }
    # Resources with a Condition may be absent because it is false; the others were skipped.
    resources = template["Resources"].items()
    skipped = sorted({r["Type"] for k, r in resources if k not in created and "Condition" not in r})
    print(f"    moto skipped the types it does not model: {', '.join(skipped)}")
    print(f"    left out before create_stack (moto cannot create it): {', '.join(MOTO_UNSUPPORTED)}")
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def teardown(env: dict[str, str], outputs: dict[str, str]) -> None:
    endpoint = env["AWS_ENDPOINT_URL"]
    cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint)
    # A deleted stack is found by its id only, as on AWS.
    stack_id = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]["StackId"]
    cloudformation.delete_stack(StackName=STACK)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] != "DELETE_COMPLETE":
        if time.monotonic() > deadline:
            raise SystemExit("the stack did not delete in time")
        time.sleep(0.2)
    # DeletionPolicy Retain kept the table and the bucket; removed as the deploy guide says.
    boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint).delete_table(
        TableName=outputs["StateTableName"]
    )
    bucket = boto3.resource("s3", region_name=REGION, endpoint_url=endpoint).Bucket(outputs["BlobBucketName"])
    bucket.object_versions.delete()
    bucket.delete()
    left = _leftovers(endpoint)
    if left:
        raise SystemExit(f"teardown left resources behind: {left}")


def _leftovers(endpoint: str) -> list[str]:
    """What of the stack is still there: functions, queues, tables, buckets but the artefacts'."""

    def client(service: str) -> Any:
        return boto3.client(service, region_name=REGION, endpoint_url=endpoint)  # type: ignore[call-overload]

    functions = [f["FunctionName"] for f in client("lambda").list_functions()["Functions"]]
    queues = client("sqs").list_queues().get("QueueUrls", [])
    tables = client("dynamodb").list_tables()["TableNames"]
    buckets = [b["Name"] for b in client("s3").list_buckets()["Buckets"] if b["Name"] != ARTEFACTS]
    return [name for name in [*functions, *queues, *tables, *buckets] if STACK in name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default="python{}.{}".format(*sys.version_info[:2]))
    parser.add_argument("--skip-build", action="store_true", help="reuse .aws-sam/build")
    parser.add_argument(
        "--from-source",
        action="store_true",
        help="no lint, no build: package the source folders (the test of these steps)",
    )
    args = parser.parse_args(argv)
    code = Code.source() if args.from_source else Code.built()
    if not args.from_source:
        with _step("sam validate --lint"):
            _sam("validate", "--lint", "--template-file", "template.yaml")
    if not (args.skip_build or args.from_source):
        with _step(f"sam build ({args.runtime})"):
            _sam(
                "build",
                "--template-file",
                "template.yaml",
                "--parameter-overrides",
                f"PythonRuntime={args.runtime}",
            )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    for chatty in ("moto", "samtranslator"):
        logging.getLogger(chatty).setLevel(logging.ERROR)
    # Said once, in the summary of the deploy step, instead of once per resource and request.
    warnings.filterwarnings("ignore", message="Tried to parse", category=UserWarning)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = _aws_environment(f"http://{host}:{port}")
        os.environ.update({k: v for k, v in env.items() if k.startswith("AWS_")})
        with _step("sam package, SAM transform, CloudFormation create_stack on moto"):
            outputs = deploy(env, args.runtime, code)
        with _step("smoke: /health, token + authorizer, /integrations, dispatcher"):
            smoke(env, outputs, code)
        with _step("teardown: delete the stack, then the retained table and bucket"):
            teardown(env, outputs)
    finally:
        server.stop()
    print("deploy-check passed: the template deploys, its functions run against it, and it tears down")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
