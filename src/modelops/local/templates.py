"""Read the synthesized CloudFormation templates and resolve them to local physical names.

The embedded AWS provisions what ``cdk.out/*.template.json`` declares, so names, ARNs and environment
variables must resolve as CloudFormation would resolve them. Names are deterministic: an explicit name
property wins; otherwise ``<stack>-<logical id>`` shaped to the service's naming rule (CloudFormation adds a
random suffix; locally the same templates must give the same names every run).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Unresolvable(ValueError):
    """A template value refers to something the embedded AWS cannot know (e.g. an SSM parameter)."""


@dataclass(frozen=True)
class Stack:
    name: str
    template: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template.get("Resources", {})
        return resources


@dataclass
class Physical:
    """What ``Ref`` and ``Fn::GetAtt`` return for one resource."""

    ref: Any
    attributes: dict[str, Any] = field(default_factory=dict)


def load_stacks(cdk_out: Path) -> list[Stack]:
    """Every CloudFormation stack in a cloud assembly, in the manifest's dependency order."""
    manifest_path = cdk_out / "manifest.json"
    files: list[tuple[str, Path]] = []
    if manifest_path.exists():
        artifacts = json.loads(manifest_path.read_text())["artifacts"]
        ordered = _dependency_order(artifacts)
        for artifact_id in ordered:
            artifact = artifacts[artifact_id]
            if artifact.get("type") == "aws:cloudformation:stack":
                properties = artifact.get("properties", {})
                stack_name = properties.get("stackName") or artifact.get("displayName") or artifact_id
                files.append((stack_name, cdk_out / properties["templateFile"]))
    else:
        files = [
            (path.name.removesuffix(".template.json"), path)
            for path in sorted(cdk_out.glob("*.template.json"))
        ]
    return [Stack(name, json.loads(path.read_text())) for name, path in files]


def _dependency_order(artifacts: dict[str, Any]) -> list[str]:
    done: list[str] = []

    def visit(artifact_id: str, seen: frozenset[str]) -> None:
        if artifact_id in done or artifact_id in seen or artifact_id not in artifacts:
            return
        for dependency in artifacts[artifact_id].get("dependencies", []):
            visit(dependency, seen | {artifact_id})
        done.append(artifact_id)

    for artifact_id in artifacts:
        visit(artifact_id, frozenset())
    return done


def _clip(name: str, limit: int) -> str:
    return name[:limit].rstrip("-_.")


def default_name(resource_type: str, stack: str, logical_id: str) -> str:
    """The deterministic name of a resource the template does not name."""
    base = f"{stack}-{logical_id}"
    if resource_type == "AWS::S3::Bucket":
        return _clip(re.sub(r"[^a-z0-9.-]", "-", base.lower()), 63)
    if resource_type in ("AWS::SQS::Queue", "AWS::SNS::Topic"):
        return _clip(re.sub(r"[^A-Za-z0-9_-]", "-", base), 80)
    return _clip(re.sub(r"[^A-Za-z0-9_.-]", "-", base), 64)


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


class Resolver:
    """Resolves intrinsic functions of one stack against the physical resources planned so far."""

    def __init__(
        self,
        stack: Stack,
        account: str,
        region: str,
        exports: dict[str, Any],
        outputs: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.stack, self.account, self.region, self.exports = stack, account, region, exports
        self.outputs = outputs if outputs is not None else {}  # earlier stacks' outputs, by stack name
        self.physical: dict[str, Physical] = {}
        self.names: dict[str, str] = {}
        self._pseudo = {
            "AWS::AccountId": account,
            "AWS::Region": region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack.name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{account}:stack/{stack.name}/local",
        }

    def plan(self) -> None:
        """Give every resource its physical name and ARN-like attributes, before creating anything."""
        pending = dict(self.stack.resources)
        while pending:
            progressed = False
            for logical_id, resource in list(pending.items()):
                try:
                    self.physical[logical_id] = self._physical(logical_id, resource)
                except Unresolvable:
                    continue
                del pending[logical_id]
                progressed = True
            if not progressed:  # names that cannot resolve fall back to the default name
                for logical_id, resource in pending.items():
                    self.physical[logical_id] = self._physical(logical_id, resource, named=False)
                return

    def name_of(self, logical_id: str) -> str:
        return self.names[logical_id]

    def _physical(self, logical_id: str, resource: dict[str, Any], named: bool = True) -> Physical:
        kind = resource["Type"]
        prop = _NAME_PROPERTY.get(kind)
        explicit = resource.get("Properties", {}).get(prop) if prop and named else None
        name = (
            str(self.resolve(explicit))
            if explicit is not None
            else default_name(kind, self.stack.name, logical_id)
        )
        if kind == "AWS::SQS::Queue" and resource.get("Properties", {}).get("FifoQueue") and explicit is None:
            name = _clip(name, 75) + ".fifo"
        self.names[logical_id] = name
        return _physical_of(kind, name, logical_id, self)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((key, argument),) = value.items()
        handler = _INTRINSICS.get(key)
        if handler is None:
            if key.startswith("Fn::"):
                raise Unresolvable(f"{key} (not emulated)")
            return {key: self.resolve(argument)}
        return handler(self, argument)

    def _ref(self, name: str) -> Any:
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self.physical:
            return self.physical[name].ref
        parameter = self.stack.template.get("Parameters", {}).get(name)
        if parameter is not None and "Default" in parameter and not parameter["Type"].startswith("AWS::SSM"):
            return parameter["Default"]
        raise Unresolvable(f"Ref {name}")

    def _get_att(self, argument: Any) -> Any:
        logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        physical = self.physical.get(logical_id)
        if physical is None or attribute not in physical.attributes:
            raise Unresolvable(f"Fn::GetAtt {logical_id}.{attribute}")
        return physical.attributes[attribute]

    def _sub(self, argument: Any) -> str:
        template, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {key: self.resolve(item) for key, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            token = match.group(1)
            if token.startswith("!"):
                return "${" + token[1:] + "}"
            if token in values:
                return str(values[token])
            if "." in token:
                return str(self._get_att(token))
            return str(self._ref(token))

        return re.sub(r"\$\{([^}]+)\}", replace, template)

    def _import(self, argument: Any) -> Any:
        name = self.resolve(argument)
        if name not in self.exports:
            raise Unresolvable(f"Fn::ImportValue {name}")
        return self.exports[name]

    def _stack_output(self, argument: Any) -> Any:
        # CDK's "weak" cross-stack references: {"StackName", "OutputName"[, "Region"]}.
        reference = self.resolve(argument)
        value = self.outputs.get(reference.get("StackName"), {}).get(reference.get("OutputName"))
        if value is None:
            raise Unresolvable(
                f"Fn::GetStackOutput {reference.get('StackName')}.{reference.get('OutputName')}"
            )
        return value

    def _find_in_map(self, argument: Any) -> Any:
        name, top, second = (self.resolve(item) for item in argument)
        try:
            return self.stack.template["Mappings"][name][top][second]
        except KeyError:
            raise Unresolvable(f"Fn::FindInMap {name}.{top}.{second}") from None

    def _select(self, argument: Any) -> Any:
        index, items = argument
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, argument: Any) -> list[str]:
        delimiter, text = argument
        return str(self.resolve(text)).split(delimiter)

    def _join(self, argument: Any) -> str:
        delimiter, items = argument
        return delimiter.join(str(item) for item in self.resolve(items))


_INTRINSICS = {
    "Ref": lambda r, a: r._ref(a),
    "Fn::GetAtt": lambda r, a: r._get_att(a),
    "Fn::Join": lambda r, a: r._join(a),
    "Fn::Sub": lambda r, a: r._sub(a),
    "Fn::ImportValue": lambda r, a: r._import(a),
    "Fn::GetStackOutput": lambda r, a: r._stack_output(a),
    "Fn::FindInMap": lambda r, a: r._find_in_map(a),
    "Fn::Select": lambda r, a: r._select(a),
    "Fn::Split": lambda r, a: r._split(a),
}


def _physical_of(kind: str, name: str, logical_id: str, r: Resolver) -> Physical:
    region, account = r.region, r.account
    arn = f"arn:aws:{{service}}:{region}:{account}:{{resource}}"
    if kind == "AWS::S3::Bucket":
        return Physical(
            name,
            {
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
            },
        )
    if kind == "AWS::SQS::Queue":
        url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        return Physical(
            url, {"Arn": arn.format(service="sqs", resource=name), "QueueName": name, "QueueUrl": url}
        )
    if kind == "AWS::SNS::Topic":
        topic_arn = arn.format(service="sns", resource=name)
        return Physical(topic_arn, {"TopicArn": topic_arn, "TopicName": name})
    if kind == "AWS::KMS::Key":
        import uuid

        key_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"modelops-local:{account}:{region}:{r.stack.name}:{logical_id}")
        )
        r.names[logical_id] = key_id
        return Physical(key_id, {"Arn": arn.format(service="kms", resource=f"key/{key_id}"), "KeyId": key_id})
    if kind == "AWS::SageMaker::ModelPackageGroup":
        group_arn = arn.format(service="sagemaker", resource=f"model-package-group/{name.lower()}")
        return Physical(group_arn, {"ModelPackageGroupArn": group_arn, "ModelPackageGroupName": name})
    if kind == "AWS::SageMaker::Pipeline":
        return Physical(name, {"PipelineName": name})
    if kind == "AWS::Events::Rule":
        return Physical(name, {"Arn": arn.format(service="events", resource=f"rule/{name}")})
    if kind == "AWS::Lambda::Function":
        return Physical(name, {"Arn": arn.format(service="lambda", resource=f"function:{name}")})
    if kind == "AWS::IAM::Role":
        return Physical(
            name, {"Arn": f"arn:aws:iam::{account}:role/{name}", "RoleId": f"AROA{logical_id.upper()}"}
        )
    if kind == "AWS::IAM::ManagedPolicy":
        policy_arn = f"arn:aws:iam::{account}:policy/{name}"
        return Physical(policy_arn, {"PolicyArn": policy_arn})
    if kind == "AWS::CloudWatch::Alarm":
        return Physical(name, {"Arn": arn.format(service="cloudwatch", resource=f"alarm:{name}")})
    if kind == "AWS::Logs::LogGroup":
        return Physical(name, {"Arn": arn.format(service="logs", resource=f"log-group:{name}:*")})
    return Physical(name, {"Arn": arn.format(service=kind.split("::")[1].lower(), resource=name)})
