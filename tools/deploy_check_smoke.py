"""The smoke calls of `make deploy-check` (tools/deploy_check.py): the built handlers, run
against the stack deployed on moto, through its outputs and each function's environment.

moto runs Lambda functions only in Docker, so each handler runs in a child process
(tools/invoke_handler.py) with the environment its deployed function has, read back from moto's
Lambda: the code is the built artefact, the resources are the deployed ones, the Lambda service
around them is not emulated. GET /health; a token made with `commsync token create --table`,
accepted by the authorizer; GET /integrations with it (the API reading the deployed table); the
dispatcher's scheduled run (the due-index and the queue).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

REGION = "eu-west-1"
STACK = "commsync-deploy-check"
ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
SOURCE_CODE = {  # --from-source: the template's CodeUri folders, as `sam package` zips them
    "ApiFunction": ROOT / "functions" / "api",
    "AuthorizerFunction": ROOT / "functions" / "authorizer",
    "DispatcherFunction": ROOT / "functions" / "dispatcher",
}


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class Code:
    """Where the template to package and the code of each function and of the layer are."""

    template: Path
    functions: dict[str, Path]
    layer: Path

    @classmethod
    def built(cls) -> Code:
        functions = {name: BUILD / name for name in SOURCE_CODE}
        return cls(BUILD / "template.yaml", functions, BUILD / "CommsyncLayer" / "python")

    @classmethod
    def source(cls) -> Code:
        # The layer's dependencies then come from this interpreter's environment.
        return cls(ROOT / "template.yaml", SOURCE_CODE, ROOT / "layers" / "commsync")


Invoke = Callable[[str, dict[str, Any]], Any]


def handler_invoker(env: dict[str, str], code: Code) -> Invoke:
    """Calls a built handler with the environment its deployed function has (read from Lambda)."""
    lambda_ = boto3.client("lambda", region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"])
    cloudformation = boto3.client("cloudformation", region_name=REGION, endpoint_url=env["AWS_ENDPOINT_URL"])
    resources = cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    names = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}

    def invoke(logical_id: str, event: dict[str, Any]) -> Any:
        config = lambda_.get_function_configuration(FunctionName=names[logical_id])
        variables = {k: str(v) for k, v in config.get("Environment", {}).get("Variables", {}).items()}
        script = str(ROOT / "tools" / "invoke_handler.py")
        folder = str(code.functions[logical_id])
        command = [sys.executable, script, folder, str(code.layer), json.dumps(event)]
        return json.loads(run(command, env | variables).strip().splitlines()[-1])

    return invoke


def api_event(outputs: dict[str, str], path: str, authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    """A REST API proxy event for GET `path` on the stage named in the ManagementApiUrl output."""
    url = urlsplit(outputs["ManagementApiUrl"])
    stage = url.path.strip("/").split("/")[0]
    context = {"stage": stage, "requestId": "deploy-check", "httpMethod": "GET", "resourcePath": path}
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": {"Host": url.netloc, "Accept": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": context | ({"authorizer": authorizer} if authorizer else {}),
        "body": None,
        "isBase64Encoded": False,
    }


def _expect(what: str, got: Any, wanted: Any) -> None:
    if got != wanted:
        raise SystemExit(f"smoke call {what}: expected {wanted!r}, got {got!r}")


def smoke(env: dict[str, str], outputs: dict[str, str], code: Code) -> None:
    invoke = handler_invoker(env, code)
    health = invoke("ApiFunction", api_event(outputs, "/health"))
    _expect("GET /health", health["statusCode"], 200)
    # The token is a secret: it goes from the CLI's stdout to the authorizer, never to the output.
    cli = str(Path(sys.executable).with_name("commsync"))
    create = [cli, "token", "create", "--name", "deploy-check", "--permission", "view"]
    token = run([*create, "--table", outputs["StateTableName"]], env).strip()
    api_id = urlsplit(outputs["ManagementApiUrl"]).netloc.split(".")[0]
    method_arn = f"arn:aws:execute-api:{REGION}:123456789012:{api_id}/v1/GET/integrations"
    event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": method_arn}
    policy = invoke("AuthorizerFunction", event)
    _expect("authorizer", policy["policyDocument"]["Statement"][0]["Effect"], "Allow")
    authorizer = {"principalId": policy["principalId"], **policy.get("context", {})}
    listed = invoke("ApiFunction", api_event(outputs, "/integrations", authorizer))
    _expect("GET /integrations", listed["statusCode"], 200)
    dispatched = invoke("DispatcherFunction", {"detail-type": "Scheduled Event", "detail": {}})
    _expect("dispatcher", sorted(dispatched), ["sent", "skipped"])
