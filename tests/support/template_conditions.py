"""template.yaml as CloudFormation sees it once its conditions are decided, and its roles' grants.

The template's guard rails are parameters (VPC, KMS key, tracing, reserved concurrency): their
resources and statements sit under `Fn::If`. `resolve` picks the branches a set of condition
values selects and drops `AWS::NoValue`, as CloudFormation does, so that tests can read the
template deployed with or without an option.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

Template = dict[str, Any]
_NO_VALUE = object()


def resolve(value: Any, conditions: Mapping[str, bool]) -> Any:
    """`value` with every Fn::If decided by `conditions` (a missing condition is an error)."""
    resolved = _resolve(value, conditions)
    return None if resolved is _NO_VALUE else resolved


def _resolve(value: Any, conditions: Mapping[str, bool]) -> Any:
    if isinstance(value, dict):
        if value == {"Ref": "AWS::NoValue"}:
            return _NO_VALUE
        if set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            return _resolve(when_true if conditions[name] else when_false, conditions)
        pairs = ((k, _resolve(v, conditions)) for k, v in value.items())
        return {k: v for k, v in pairs if v is not _NO_VALUE}
    if isinstance(value, list):
        items = (_resolve(v, conditions) for v in value)
        return [v for v in items if v is not _NO_VALUE]
    return value


def deployed(translated: Template, conditions: Mapping[str, bool]) -> Template:
    """The resources CloudFormation creates for these condition values, their Fn::If decided."""
    resources = {
        logical_id: resolve(resource, conditions)
        for logical_id, resource in translated["Resources"].items()
        if conditions.get(resource.get("Condition", ""), True)
    }
    return {**translated, "Resources": resources}


def every_condition(template: Template, value: bool) -> dict[str, bool]:
    return dict.fromkeys(template.get("Conditions", {}), value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(template: Template) -> Iterator[tuple[str, dict[str, Any]]]:
    """(role logical id, statement) of every inline policy of every role; decide Fn::If first."""
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for policy in resource["Properties"].get("Policies", []):
            for statement in as_list(policy["PolicyDocument"]["Statement"]):
                yield logical_id, statement


def granted_actions(template: Template, role: str) -> set[str]:
    """The actions a role's Allow statements name (patterns as written, e.g. kms:Decrypt)."""
    return {
        action
        for name, statement in role_statements(template)
        if name == role and statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }


PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "eu-west-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "commsync",
    "AWS::URLSuffix": "amazonaws.com",
}


def parameter_values(template: Template, **given: str) -> dict[str, Any]:
    """The parameters' values as CloudFormation passes them: defaults, `given`, lists split."""
    values: dict[str, Any] = {}
    for name, spec in template["Parameters"].items():
        value = str(given.get(name, spec.get("Default", "")))
        values[name] = value.split(",") if spec["Type"] == "CommaDelimitedList" else value
    return values


def conditions_for(template: Template, parameters: Mapping[str, Any]) -> dict[str, bool]:
    """Each condition of the template, evaluated for these parameter values."""
    decided: dict[str, bool] = {}
    for name, expression in template.get("Conditions", {}).items():
        decided[name] = bool(evaluate(expression, parameters, decided))
    return decided


def evaluate(value: Any, parameters: Mapping[str, Any], conditions: Mapping[str, bool]) -> Any:
    """The intrinsic functions the template's conditions and ARNs use, as CloudFormation does.

    `parameters` may also hold created resources' values ("X" for a Ref, "X.Arn" for a GetAtt);
    a reference to anything else stays as it is.
    """

    def ev(v: Any) -> Any:
        return evaluate(v, parameters, conditions)

    if isinstance(value, list):
        return [ev(v) for v in value]
    if not isinstance(value, dict) or len(value) != 1:
        return {k: ev(v) for k, v in value.items()} if isinstance(value, dict) else value
    ((function, args),) = value.items()
    simple: dict[str, Callable[[], Any]] = {
        # A resource's Ref stays as it is: only CloudFormation knows its physical id.
        "Ref": lambda: {**PSEUDO, **parameters}.get(args, {"Ref": args}),
        "Condition": lambda: conditions[args],
        "Fn::Equals": lambda: str(ev(args[0])) == str(ev(args[1])),
        "Fn::Not": lambda: not ev(args[0]),
        "Fn::Or": lambda: any(ev(a) for a in args),
        "Fn::And": lambda: all(ev(a) for a in args),
        "Fn::Join": lambda: str(args[0]).join(ev(args[1])),
        "Fn::Split": lambda: str(ev(args[1])).split(str(args[0])),
        "Fn::If": lambda: ev(args[1] if conditions[args[0]] else args[2]),
        "Fn::GetAtt": lambda: parameters.get(".".join(args), {"Fn::GetAtt": args}),
    }
    if function in simple:
        return simple[function]()
    if function == "Fn::Sub":
        text, names = (args, {}) if isinstance(args, str) else (args[0], ev(args[1]))
        known = {**PSEUDO, **parameters, **names}
        return re.sub(r"\$\{([^}]+)\}", lambda m: str(known.get(m.group(1), m.group(0))), text)
    return {function: ev(args)}
