"""Render a cloud assembly's CloudFormation intrinsics to concrete values, as CloudFormation would.

References: the intrinsic function reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html), and each
resource type's ``Ref``/``Fn::GetAtt`` return values in the template reference.

Physical names follow the embedded AWS (``modelops.local.templates``): an explicit name property wins,
otherwise ``<stack>-<logical id>`` shaped to the service's naming rule, deterministic where CloudFormation
would add a random suffix. A caller that knows the real names (the embedded AWS after provisioning, or a
deployed account) passes them as ``physical`` and they win.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelops.local.iam.errors import Unresolvable


@dataclass(frozen=True)
class Physical:
    """What ``Ref`` and ``Fn::GetAtt`` return for one resource."""

    ref: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Environment:
    account: str = "123456789012"
    region: str = "us-east-1"
    partition: str = "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"


_NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SageMaker::ModelPackageGroup": "ModelPackageGroupName",
    "AWS::SageMaker::Pipeline": "PipelineName",
    "AWS::Events::Rule": "Name",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::Logs::LogGroup": "LogGroupName",
}


def _clip(name: str, limit: int) -> str:
    return name[:limit].rstrip("-_.")


def default_name(resource_type: str, stack: str, logical_id: str) -> str:
    """The deterministic name of a resource the template does not name (the embedded AWS's rule)."""
    base = f"{stack}-{logical_id}"
    if resource_type == "AWS::S3::Bucket":
        return _clip(re.sub(r"[^a-z0-9.-]", "-", base.lower()), 63)
    if resource_type in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        return _clip(re.sub(r"[^A-Za-z0-9_-]", "-", base), 80)
    return _clip(re.sub(r"[^A-Za-z0-9_.-]", "-", base), 64)


class Assembly:
    """Every stack of a cloud assembly, resolved lazily: a stack's outputs resolve when another asks."""

    def __init__(
        self,
        templates: Mapping[str, Mapping[str, Any]],
        env: Environment | None = None,
        physical: Mapping[str, Mapping[str, Physical]] | None = None,
        exports: Mapping[str, str] | None = None,
    ) -> None:
        self.env = env or Environment()
        self.templates = dict(templates)
        self._given = {stack: dict(p) for stack, p in (physical or {}).items()}
        self._exports = dict(exports or {})
        self._stacks: dict[str, StackResolver] = {}

    @classmethod
    def from_cdk_out(cls, cdk_out: Path, env: Environment | None = None, **kwargs: Any) -> Assembly:
        """Read ``manifest.json`` for each stack's name and template (else every ``*.template.json``)."""
        manifest = cdk_out / "manifest.json"
        files: dict[str, Path] = {}
        if manifest.exists():
            for artifact_id, artifact in json.loads(manifest.read_text())["artifacts"].items():
                if artifact.get("type") == "aws:cloudformation:stack":
                    props = artifact.get("properties", {})
                    name = props.get("stackName") or artifact.get("displayName") or artifact_id
                    files[name] = cdk_out / props["templateFile"]
        else:
            files = {
                p.name.removesuffix(".template.json"): p for p in sorted(cdk_out.glob("*.template.json"))
            }
        return cls({name: json.loads(path.read_text()) for name, path in files.items()}, env, **kwargs)

    def stack(self, name: str) -> StackResolver:
        if name not in self.templates:
            raise Unresolvable(f"stack {name!r} is not in the assembly (stacks: {', '.join(self.templates)})")
        if name not in self._stacks:
            self._stacks[name] = StackResolver(self, name, self.templates[name], self._given.get(name, {}))
        return self._stacks[name]

    def export(self, name: str) -> str:
        if name in self._exports:
            return self._exports[name]
        for stack_name, template in self.templates.items():
            for output_name, output in template.get("Outputs", {}).items():
                if output.get("Export") and self.stack(stack_name).resolve(output["Export"]["Name"]) == name:
                    return str(self.stack(stack_name).output(output_name))
        raise Unresolvable(f"Fn::ImportValue {name}: no stack exports it")


class StackResolver:
    """Resolves the intrinsic functions of one stack."""

    def __init__(
        self, assembly: Assembly, name: str, template: Mapping[str, Any], given: Mapping[str, Physical]
    ) -> None:
        self.assembly, self.name, self.template = assembly, name, template
        self.resources: Mapping[str, Mapping[str, Any]] = template.get("Resources", {})
        self._physical: dict[str, Physical] = dict(given)
        self._resolving: set[str] = set()
        env = assembly.env
        self._pseudo = {
            "AWS::AccountId": env.account,
            "AWS::Region": env.region,
            "AWS::Partition": env.partition,
            "AWS::URLSuffix": env.url_suffix,
            "AWS::StackName": name,
            "AWS::StackId": f"arn:{env.partition}:cloudformation:{env.region}:{env.account}:stack/{name}/local",
            "AWS::NoValue": None,
        }

    def physical(self, logical_id: str) -> Physical:
        if logical_id not in self._physical:
            if logical_id not in self.resources:
                raise Unresolvable(f"{self.name}: no resource {logical_id!r}")
            if logical_id in self._resolving:
                raise Unresolvable(f"{self.name}: {logical_id} names itself")
            self._resolving.add(logical_id)
            try:
                self._physical[logical_id] = self._derive(logical_id, self.resources[logical_id])
            finally:
                self._resolving.discard(logical_id)
        return self._physical[logical_id]

    def output(self, name: str) -> Any:
        outputs = self.template.get("Outputs", {})
        if name not in outputs:
            raise Unresolvable(f"{self.name} has no output {name!r}")
        return self.resolve(outputs[name]["Value"])

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in (self.resolve(v) for v in value) if item is not None]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref" or key.startswith("Fn::"):
                handler = _INTRINSICS.get(key)
                if handler is None:
                    raise Unresolvable(f"{self.name}: {key} is not supported")
                return handler(self, argument)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items()) if v is not None}

    def ref(self, name: str) -> Any:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self.resources:
            return self.physical(name).ref
        parameter = self.template.get("Parameters", {}).get(name)
        if parameter is not None and "Default" in parameter and not parameter["Type"].startswith("AWS::SSM"):
            return parameter["Default"]
        raise Unresolvable(f"{self.name}: Ref {name}")

    def get_att(self, argument: Any) -> str:
        logical_id, attribute = argument if isinstance(argument, list) else str(argument).split(".", 1)
        attributes = self.physical(logical_id).attributes
        if attribute not in attributes:
            raise Unresolvable(f"{self.name}: Fn::GetAtt {logical_id}.{attribute} is not derived")
        return attributes[attribute]

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {key: self.resolve(v) for key, v in variables.items()}

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            if token in values:
                return str(values[token])
            return str(self.get_att(token) if "." in token else self.ref(token))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _stack_output(self, argument: Any) -> Any:
        reference = self.resolve(argument)  # CDK's cross-stack reference: {StackName, OutputName[, Region]}
        return self.assembly.stack(reference["StackName"]).output(reference["OutputName"])

    def _find_in_map(self, argument: Any) -> Any:
        name, top, second = (self.resolve(item) for item in argument)
        try:
            return self.template["Mappings"][name][top][second]
        except KeyError:
            raise Unresolvable(f"{self.name}: Fn::FindInMap {name}.{top}.{second}") from None

    def _if(self, argument: Any) -> Any:
        condition, when_true, when_false = argument
        return self.resolve(when_true if self._condition(condition) else when_false)

    def _condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def _derive(self, logical_id: str, resource: Mapping[str, Any]) -> Physical:
        kind = resource["Type"]
        props = resource.get("Properties", {})
        prop = _NAME_PROPERTY.get(kind)
        name = default_name(kind, self.name, logical_id)
        if prop and prop in props:
            with contextlib.suppress(Unresolvable):  # the embedded AWS falls back to the default name too
                name = str(self.resolve(props[prop]))
        if kind == "AWS::SQS::Queue" and props.get("FifoQueue") and prop not in props:
            name = _clip(name, 75) + ".fifo"
        return _physical_of(kind, name, logical_id, props, self)


def _join(r: StackResolver, argument: Any) -> str:
    delimiter, items = argument
    return str(delimiter).join(str(item) for item in r.resolve(items))


_INTRINSICS: dict[str, Any] = {
    "Ref": lambda r, a: r.ref(a),
    "Fn::GetAtt": lambda r, a: r.get_att(a),
    "Fn::Join": _join,
    "Fn::Sub": lambda r, a: r._sub(a),
    "Fn::Select": lambda r, a: r.resolve(a[1])[int(r.resolve(a[0]))],
    "Fn::Split": lambda r, a: str(r.resolve(a[1])).split(a[0]),
    "Fn::ImportValue": lambda r, a: r.assembly.export(str(r.resolve(a))),
    "Fn::GetStackOutput": lambda r, a: r._stack_output(a),
    "Fn::FindInMap": lambda r, a: r._find_in_map(a),
    "Fn::If": lambda r, a: r._if(a),
    "Fn::Equals": lambda r, a: r.resolve(a[0]) == r.resolve(a[1]),
    "Fn::Not": lambda r, a: not r.resolve(a[0]),
    "Fn::And": lambda r, a: all(r.resolve(c) for c in a),
    "Fn::Or": lambda r, a: any(r.resolve(c) for c in a),
    "Condition": lambda r, a: r._condition(a),
    "Fn::Base64": lambda r, a: r.resolve(a),  # kept as text: no policy needs the encoded form
    "Fn::GetAZs": lambda r, a: [f"{r.assembly.env.region}{z}" for z in "abc"],
}


def _physical_of(
    kind: str, name: str, logical_id: str, props: Mapping[str, Any], r: StackResolver
) -> Physical:
    env = r.assembly.env
    p, region, account = env.partition, env.region, env.account

    def arn(service: str, resource: str) -> str:
        return f"arn:{p}:{service}:{region}:{account}:{resource}"

    if kind == "AWS::S3::Bucket":
        return Physical(
            name,
            {
                "Arn": f"arn:{p}:s3:::{name}",
                "DomainName": f"{name}.s3.{env.url_suffix}",
                "RegionalDomainName": f"{name}.s3.{region}.{env.url_suffix}",
            },
        )
    if kind == "AWS::SQS::Queue":
        url = f"https://sqs.{region}.{env.url_suffix}/{account}/{name}"
        return Physical(url, {"Arn": arn("sqs", name), "QueueName": name, "QueueUrl": url})
    if kind == "AWS::SNS::Topic":
        return Physical(arn("sns", name), {"TopicArn": arn("sns", name), "TopicName": name})
    if kind == "AWS::KMS::Key":
        key_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"modelops-local:{account}:{region}:{r.name}:{logical_id}")
        )
        return Physical(key_id, {"Arn": arn("kms", f"key/{key_id}"), "KeyId": key_id})
    if kind == "AWS::SageMaker::ModelPackageGroup":
        group_arn = arn("sagemaker", f"model-package-group/{name.lower()}")  # SageMaker lower-cases ARNs
        return Physical(group_arn, {"ModelPackageGroupArn": group_arn, "ModelPackageGroupName": name})
    if kind == "AWS::SageMaker::Pipeline":
        return Physical(name, {"PipelineName": name})
    if kind == "AWS::Events::Rule":
        return Physical(name, {"Arn": arn("events", f"rule/{name}")})
    if kind == "AWS::Lambda::Function":
        return Physical(name, {"Arn": arn("lambda", f"function:{name}")})
    if kind in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
        path = str(r.resolve(props.get("Path", "/")))
        if kind == "AWS::IAM::Role":
            role_arn = f"arn:{p}:iam::{account}:role{path}{name}"
            return Physical(name, {"Arn": role_arn, "RoleId": f"AROA{logical_id.upper()}"})
        policy_arn = f"arn:{p}:iam::{account}:policy{path}{name}"
        return Physical(policy_arn, {"PolicyArn": policy_arn})
    if kind == "AWS::CloudWatch::Alarm":
        return Physical(name, {"Arn": arn("cloudwatch", f"alarm:{name}")})
    if kind == "AWS::Logs::LogGroup":
        return Physical(name, {"Arn": arn("logs", f"log-group:{name}:*")})
    return Physical(name, {"Arn": arn(kind.split("::")[1].lower(), name)})
