"""Who holds which policies in a cloud assembly: each role's identity policies, the human roles' managed
policies, and the resource-based policies of buckets, topics, queues, keys, functions and groups.

A role's identity policies are its inline ``Policies``, every ``AWS::IAM::Policy`` that lists it in
``Roles``, and every ``AWS::IAM::ManagedPolicy`` attached through the policy's ``Roles`` or the role's
``ManagedPolicyArns``. A managed policy attached to no role in the assembly is a human role's (the platform
team attaches it to an SSO permission set or a group): it becomes a principal of its own, named after the
stack output that exports it (``DataScientistPolicyArn`` -> ``data-scientist``), else its logical ID. A
policy exported as ``People...PolicyArn`` (``PeopleAuditLogPolicyArn``) is every human role's as well, and one
exported as ``<Human><More>PolicyArn`` (``DataScientistMlflowPolicyArn``) that human role's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from modelops.local.iam.cfn import Assembly, StackResolver
from modelops.local.iam.policy import Policy, Principal


@dataclass(frozen=True)
class Identity:
    """A principal and every identity-based policy it holds."""

    name: str  # role name, or the human role's name
    principal: Principal
    policies: tuple[Policy, ...]
    stack: str
    logical_id: str
    trust_policy: Policy | None = None


@dataclass(frozen=True)
class Function:
    name: str
    arn: str
    handler: str
    role_arn: str


@dataclass(frozen=True)
class Principals:
    identities: Mapping[str, Identity]  # by name
    resource_policies: Mapping[str, Policy]  # by the ARN of the resource holding the policy
    functions: Mapping[str, Function]  # by function name

    def identity(self, name: str) -> Identity:
        if name not in self.identities:
            raise KeyError(f"no principal {name!r}; the assembly has {', '.join(sorted(self.identities))}")
        return self.identities[name]

    def by_arn(self, arn: str) -> Identity:
        for identity in self.identities.values():
            if identity.principal.arn == arn:
                return identity
        raise KeyError(f"no principal with ARN {arn}")

    def resource_policy(self, resource_arn: str) -> Policy | None:
        """The policy governing ``resource_arn``: its own, or its container's (a bucket's for an object, a
        model package group's for its versions)."""
        if resource_arn in self.resource_policies:
            return self.resource_policies[resource_arn]
        if resource_arn.startswith("arn:") and ":s3:::" in resource_arn:
            return self.resource_policies.get(resource_arn.split("/", 1)[0])
        if ":model-package/" in resource_arn:
            group = resource_arn.replace(":model-package/", ":model-package-group/", 1).rsplit("/", 1)[0]
            return self.resource_policies.get(group)
        return None


def _resources(stack: StackResolver, kind: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in stack.resources.items():
        if resource["Type"] == kind:
            yield logical_id, resource.get("Properties", {})


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def collect(assembly: Assembly) -> Principals:
    """Resolve every policy of every stack in ``assembly``."""
    identities: dict[str, Identity] = {}
    resource_policies: dict[str, Policy] = {}
    attached: set[str] = set()
    for stack_name in assembly.templates:
        stack = assembly.stack(stack_name)
        _roles(stack, identities, attached)
        _resource_policies(stack, resource_policies)
    for stack_name in assembly.templates:
        _humans(assembly.stack(stack_name), identities, attached)
    functions: dict[str, Function] = {}
    for stack_name in assembly.templates:
        stack = assembly.stack(stack_name)
        for logical_id, props in _resources(stack, "AWS::Lambda::Function"):
            if "Role" not in props:
                continue  # CloudFormation refuses a function without a role: no identity to run it as
            physical = stack.physical(logical_id)
            functions[physical.ref] = Function(
                physical.ref,
                physical.attributes["Arn"],
                str(props.get("Handler", "")),
                str(stack.resolve(props["Role"])),
            )
    return Principals(identities, resource_policies, functions)


def _roles(stack: StackResolver, identities: dict[str, Identity], attached: set[str]) -> None:
    policies: dict[str, list[Policy]] = {}
    for logical_id, props in _resources(stack, "AWS::IAM::Policy"):
        document = stack.resolve(props["PolicyDocument"])
        for role in stack.resolve(props.get("Roles", [])):
            policies.setdefault(str(role), []).append(
                Policy.from_document(f"{stack.name}/{logical_id}", document)
            )
    managed: dict[str, tuple[str, Policy]] = {}
    for logical_id, props in _resources(stack, "AWS::IAM::ManagedPolicy"):
        policy = Policy.from_document(f"{stack.name}/{logical_id}", stack.resolve(props["PolicyDocument"]))
        managed[stack.physical(logical_id).ref] = (logical_id, policy)
        for role in stack.resolve(props.get("Roles", [])):
            policies.setdefault(str(role), []).append(policy)
            attached.add(stack.physical(logical_id).ref)
    for logical_id, props in _resources(stack, "AWS::IAM::Role"):
        physical = stack.physical(logical_id)
        own = [
            Policy.from_document(
                f"{stack.name}/{logical_id}/{inline['PolicyName']}", stack.resolve(inline["PolicyDocument"])
            )
            for inline in props.get("Policies", [])
        ]
        for arn in stack.resolve(props.get("ManagedPolicyArns", [])):
            if arn in managed:
                own.append(managed[arn][1])
                attached.add(arn)
        trust = props.get("AssumeRolePolicyDocument")
        identities[physical.ref] = Identity(
            name=physical.ref,
            principal=Principal(physical.attributes["Arn"], stack.assembly.env.account),
            policies=(*own, *policies.get(physical.ref, [])),
            stack=stack.name,
            logical_id=logical_id,
            trust_policy=Policy.from_document(
                f"{stack.name}/{logical_id}/trust", stack.resolve(trust), resource_based=True
            )
            if trust
            else None,
        )


def _humans(stack: StackResolver, identities: dict[str, Identity], attached: set[str]) -> None:
    exported = {}
    for output_name, output in stack.template.get("Outputs", {}).items():
        value = output.get("Value")
        if isinstance(value, dict) and set(value) == {"Ref"} and output_name.endswith("PolicyArn"):
            exported[value["Ref"]] = _kebab(output_name.removesuffix("PolicyArn"))
    env = stack.assembly.env
    humans: list[str] = []
    shared: list[Policy] = []
    for logical_id, props in _resources(stack, "AWS::IAM::ManagedPolicy"):
        if stack.physical(logical_id).ref in attached or props.get("Roles"):
            continue
        name = exported.get(logical_id, logical_id)
        policy = Policy.from_document(f"{stack.name}/{logical_id}", stack.resolve(props["PolicyDocument"]))
        if name.startswith(_EVERY_HUMAN):
            shared.append(policy)
            continue
        principal = Principal(f"arn:{env.partition}:iam::{env.account}:role/{name}", env.account)
        identities[name] = Identity(name, principal, (policy,), stack.name, logical_id)
        humans.append(name)
    # A policy exported as People...PolicyArn is attached to every human role of the stack as well (IAM's
    # 6,144 characters per managed policy leave no room for it in theirs), and one exported as
    # <Human><More>PolicyArn (DataScientistMlflowPolicyArn) to that human's role, for the same reason.
    for extra in [n for n in humans if any(n.startswith(f"{h}-") for h in humans if h != n)]:
        owner = max((h for h in humans if extra.startswith(f"{h}-")), key=len)
        identity = identities.pop(extra)
        humans.remove(extra)
        identities[owner] = replace(
            identities[owner], policies=(*identities[owner].policies, *identity.policies)
        )
    for name in humans:
        identity = identities[name]
        identities[name] = replace(identity, policies=(*identity.policies, *shared))


_EVERY_HUMAN = "people-"

_RESOURCE_POLICIES = {
    "AWS::S3::BucketPolicy": ("Bucket", "PolicyDocument"),
    "AWS::SNS::TopicPolicy": ("Topics", "PolicyDocument"),
    "AWS::SQS::QueuePolicy": ("Queues", "PolicyDocument"),
}


def _resource_policies(stack: StackResolver, found: dict[str, Policy]) -> None:
    env = stack.assembly.env
    for kind, (target, document_key) in _RESOURCE_POLICIES.items():
        for logical_id, props in _resources(stack, kind):
            policy = Policy.from_document(
                f"{stack.name}/{logical_id}", stack.resolve(props[document_key]), resource_based=True
            )
            targets = stack.resolve(props[target])
            for ref in targets if isinstance(targets, list) else [targets]:
                found[_arn_of(kind, str(ref), env.partition)] = policy
    for logical_id, props in _resources(stack, "AWS::KMS::Key"):
        if "KeyPolicy" in props:
            arn = stack.physical(logical_id).attributes["Arn"]
            found[arn] = Policy.from_document(
                f"{stack.name}/{logical_id}", stack.resolve(props["KeyPolicy"]), resource_based=True
            )
    for logical_id, props in _resources(stack, "AWS::SageMaker::ModelPackageGroup"):
        if "ModelPackageGroupPolicy" in props:
            arn = stack.physical(logical_id).attributes["ModelPackageGroupArn"]
            found[arn] = Policy.from_document(
                f"{stack.name}/{logical_id}",
                stack.resolve(props["ModelPackageGroupPolicy"]),
                resource_based=True,
            )
    permissions: dict[str, list[dict[str, Any]]] = {}
    for logical_id, props in _resources(stack, "AWS::Lambda::Permission"):
        if not {"FunctionName", "Action", "Principal"} <= set(props):
            continue  # CloudFormation refuses a permission without these: it would grant nothing
        function = str(stack.resolve(props["FunctionName"]))
        if not function.startswith("arn:"):
            function = f"arn:{env.partition}:lambda:{env.region}:{env.account}:function:{function}"
        permissions.setdefault(function, []).append(_permission_statement(stack, logical_id, props, function))
    for function, statements in permissions.items():
        found[function] = Policy.from_document(
            f"{stack.name}/{function.rsplit(':', 1)[-1]} permissions",
            {"Statement": statements},
            resource_based=True,
        )


def _arn_of(kind: str, ref: str, partition: str) -> str:
    if kind == "AWS::S3::BucketPolicy":
        return f"arn:{partition}:s3:::{ref}"
    if (
        kind == "AWS::SQS::QueuePolicy"
    ):  # Ref of a queue is its URL: https://sqs.<region>.<suffix>/<account>/<name>
        host, account, name = ref.removeprefix("https://").split("/")
        return f"arn:{partition}:sqs:{host.split('.')[1]}:{account}:{name}"
    return ref  # a topic's Ref is its ARN


def _permission_statement(
    stack: StackResolver, logical_id: str, props: Mapping[str, Any], function: str
) -> dict[str, Any]:
    """The function-policy statement AddPermission writes for one AWS::Lambda::Permission
    (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html)."""
    principal = str(stack.resolve(props["Principal"]))
    statement: dict[str, Any] = {
        "Sid": logical_id,
        "Effect": "Allow",
        "Action": str(stack.resolve(props["Action"])),
        "Resource": function,
        "Principal": {"Service": principal} if principal.endswith(".amazonaws.com") else {"AWS": principal},
    }
    condition: dict[str, dict[str, str]] = {}
    if "SourceArn" in props:
        condition["ArnLike"] = {"aws:SourceArn": str(stack.resolve(props["SourceArn"]))}
    if "SourceAccount" in props:
        condition["StringEquals"] = {"aws:SourceAccount": str(stack.resolve(props["SourceAccount"]))}
    if condition:
        statement["Condition"] = condition
    return statement
