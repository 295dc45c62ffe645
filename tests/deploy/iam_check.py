"""Does a deployer Lambda's own role allow the AWS calls it makes? A small IAM evaluator for the tests.

moto does not enforce IAM, so the flow tests alone would pass with any policy. This module reads each
handler's role policies from the synthesized template (resolved to the embedded AWS's real ARNs), records
the calls the handlers make through their boto3 clients, and evaluates each call the way IAM does for
identity policies: an explicit Deny wins, otherwise some Allow statement must match the action, the
resource and every condition. Each call maps to what the service authorization reference says it needs
(CreateEndpoint, for instance, authorizes on the endpoint and on the endpoint config it names).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from modelops.deploy.clients import Clients, default_clients
from modelops.local.embedded import EmbeddedAWS

DEPLOYMENT_STACK = "modelops-deployment"
HANDLER_MODULE = "modelops.deploy.handlers."


@dataclass(frozen=True)
class Authorization:
    """One action on one resource, with the condition keys the request supplies."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Call:
    handler: str
    service: str
    operation: str
    params: dict[str, Any] = field(hash=False, compare=False)


def authorizations(call: Call, region: str, account: str) -> list[Authorization]:
    """What IAM checks for ``call``; an operation the deployer did not use before is an error, not a pass."""
    p = call.params

    def sagemaker(kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{region}:{account}:{kind}/{name.lower()}"  # SageMaker ARNs are lower case

    action = f"sagemaker:{call.operation}"
    if call.service == "sagemaker":
        if call.operation == "DescribeModelPackage":
            return [Authorization(action, p["ModelPackageName"])]
        if call.operation == "UpdateModelPackage":
            context = []
            if "ModelApprovalStatus" in p:
                context.append(("sagemaker:ModelApprovalStatus", p["ModelApprovalStatus"]))
            if "ModelLifeCycle" in p:
                context.append(("sagemaker:ModelLifeCycle:stage", p["ModelLifeCycle"]["Stage"]))
            return [Authorization(action, p["ModelPackageArn"], tuple(context))]
        if call.operation == "CreateModel":
            passed = (("iam:PassedToService", "sagemaker.amazonaws.com"),)
            return [
                Authorization(action, sagemaker("model", p["ModelName"])),
                Authorization("iam:PassRole", p["ExecutionRoleArn"], passed),
            ]
        if call.operation == "DescribeModel":
            return [Authorization(action, sagemaker("model", p["ModelName"]))]
        if call.operation in ("CreateEndpointConfig", "DescribeEndpointConfig"):
            return [Authorization(action, sagemaker("endpoint-config", p["EndpointConfigName"]))]
        if call.operation in ("CreateEndpoint", "UpdateEndpoint"):
            return [
                Authorization(action, sagemaker("endpoint", p["EndpointName"])),
                Authorization(action, sagemaker("endpoint-config", p["EndpointConfigName"])),
            ]
        if call.operation in ("DescribeEndpoint", "DeleteEndpoint"):
            return [Authorization(action, sagemaker("endpoint", p["EndpointName"]))]
        if call.operation in ("AddTags", "ListTags"):
            return [Authorization(action, p["ResourceArn"])]
        if call.operation == "Search":
            return [Authorization(action, "*")]
    if call.service == "sagemaker-runtime" and call.operation == "InvokeEndpoint":
        return [Authorization("sagemaker:InvokeEndpoint", sagemaker("endpoint", p["EndpointName"]))]
    if call.service == "s3" and call.operation in ("GetObject", "HeadObject"):
        return [Authorization("s3:GetObject", f"arn:aws:s3:::{p['Bucket']}/{p['Key']}")]
    if call.service == "s3" and call.operation == "ListObjectsV2":
        return [Authorization("s3:ListBucket", f"arn:aws:s3:::{p['Bucket']}")]
    if call.service == "sns" and call.operation == "Publish":
        return [Authorization("sns:Publish", p["TopicArn"])]
    raise KeyError(f"no IAM mapping for {call.service}:{call.operation}; add it from the reference")


def _matches(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool:
    values = [str(v) for v in _as_list(expected)]
    present = key in context
    if operator == "Null":
        return (values == ["true"]) != present
    if operator.endswith("IfExists") and not present:
        return True
    if not present:
        return False
    base = operator.removesuffix("IfExists")
    if base == "StringEquals":
        return context[key] in values
    if base == "StringLike":
        return any(_matches(v, context[key]) for v in values)
    raise KeyError(f"condition operator {operator} is not evaluated here; add it")


def _statement_matches(statement: dict[str, Any], auth: Authorization) -> bool:
    if not any(_matches(a, auth.action, ignore_case=True) for a in _as_list(statement["Action"])):
        return False
    if not any(_matches(r, auth.resource) for r in _as_list(statement["Resource"])):
        return False
    context = dict(auth.context)
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, keys in statement.get("Condition", {}).items()
        for key, expected in keys.items()
    )


def allows(statements: list[dict[str, Any]], auth: Authorization) -> bool:
    matching = [s for s in statements if _statement_matches(s, auth)]
    return any(s["Effect"] == "Allow" for s in matching) and not any(s["Effect"] == "Deny" for s in matching)


def role_statements(aws: EmbeddedAWS) -> dict[str, list[dict[str, Any]]]:
    """Each handler's role policy statements, resolved against the embedded AWS's resources."""
    resolver = aws.provisioned.resolvers[DEPLOYMENT_STACK]
    resources = resolver.stack.resources
    by_role: dict[str, list[dict[str, Any]]] = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::IAM::Policy":
            document = resolver.resolve(resource["Properties"]["PolicyDocument"])
            for role in resource["Properties"]["Roles"]:
                by_role.setdefault(role["Ref"], []).extend(document["Statement"])
    statements: dict[str, list[dict[str, Any]]] = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::Function":
            handler = resource["Properties"]["Handler"].removeprefix(HANDLER_MODULE).removesuffix(".handler")
            role, _ = resource["Properties"]["Role"]["Fn::GetAtt"]
            statements[handler] = by_role.get(role, [])
    return statements


def _calling_handler() -> str | None:
    for frame in inspect.stack(0):
        module = str(frame.frame.f_globals.get("__name__", ""))
        if module.startswith(HANDLER_MODULE) and not module.endswith("._common"):
            return module.removeprefix(HANDLER_MODULE)
    return None


@contextmanager
def recorded_handler_calls() -> Iterator[list[Call]]:
    """Every call made through the deployer's own clients (not the emulator's), with the handler making it."""
    calls: list[Call] = []
    clients: Clients = default_clients()  # the cached clients every handler invocation uses

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        handler = _calling_handler()
        if handler is not None:
            service = model.service_model.service_name
            calls.append(Call(handler, service, model.name, dict(params)))

    hooked = [clients.sagemaker, clients.runtime, clients.s3, clients.sns]
    for client in hooked:
        client.meta.events.register("before-parameter-build.*.*", record, unique_id="iam-check")
    try:
        yield calls
    finally:
        for client in hooked:
            client.meta.events.unregister("before-parameter-build.*.*", unique_id="iam-check")
