"""What IAM authorizes for one API call: the actions, resource ARNs and condition-key context AWS builds.

Each mapping follows the service authorization reference for its action (the resource types it lists and the
condition keys it supports; https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
for SageMaker) and the SageMaker API permissions reference
(https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html), and every authorization it
produces is checked against the reference: an action, resource type or key the reference does not list for
that action is a :class:`ReferenceMismatch`. Implicit authorizations are included: ``iam:PassRole`` for an
execution role, ``sagemaker:AddTags`` when a create request carries tags, and the KMS calls a service makes
with the caller's permissions for SSE-KMS objects and encrypted topics. An operation with no mapping raises
:class:`UnmappedOperation`: it is refused, never allowed by default.

SageMaker ARNs carry lower-cased names. ``Target`` is the stored state of the resource acted on, from which
the ``sagemaker:Current*`` and ``aws:ResourceTag/`` keys are computed, as SageMaker computes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from modelops.local.iam import reference
from modelops.local.iam.cfn import Environment
from modelops.local.iam.errors import ReferenceMismatch, UnmappedOperation

ContextValue = str | tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """The stored state of the resource a request acts on."""

    tags: Mapping[str, str] = field(default_factory=dict)
    approval_status: str | None = None
    stage: str | None = None
    stage_status: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    kms_key_arn: str | None = None  # the key of an SSE-KMS object or an encrypted topic
    next_version: int = 1  # CreateModelPackage: the version number SageMaker will give the new package

    @classmethod
    def from_model_package(
        cls, described: Mapping[str, Any], tags: Sequence[Mapping[str, str]] = ()
    ) -> Target:
        """From a DescribeModelPackage response (and the package's ListTags)."""
        life = described.get("ModelLifeCycle") or {}
        return cls(
            tags={t["Key"]: t["Value"] for t in tags},
            approval_status=described.get("ModelApprovalStatus"),
            stage=life.get("Stage"),
            stage_status=life.get("StageStatus"),
            metadata=dict(described.get("CustomerMetadataProperties") or {}),
        )


@dataclass(frozen=True)
class Authorization:
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass
class _Call:
    params: Mapping[str, Any]
    env: Environment
    target: Target
    base: dict[str, ContextValue]
    found: list[Authorization] = field(default_factory=list)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        e = self.env
        return f"arn:{e.partition}:{service}:{e.region if regional else ''}:{e.account}:{resource}"

    def sagemaker(self, kind: str, name: str) -> str:
        return name if name.startswith("arn:") else self.arn("sagemaker", f"{kind}/{name.lower()}")

    def add(self, action: str, resource: str, context: Mapping[str, ContextValue] | None = None) -> None:
        self.found.append(Authorization(action, resource, {**self.base, **(context or {})}))

    def tags(self, tags: Sequence[Mapping[str, str]] | None) -> dict[str, ContextValue]:
        if not tags:
            return {}
        keys: dict[str, ContextValue] = {f"aws:RequestTag/{t['Key']}": t["Value"] for t in tags}
        keys["aws:TagKeys"] = tuple(t["Key"] for t in tags)
        return keys

    def stored(self, *, package: bool = False) -> dict[str, ContextValue]:
        """The keys read from the target's stored state (``Current*`` only for a model package)."""
        t = self.target
        keys: dict[str, ContextValue] = {}
        for key, value in t.tags.items():
            keys[f"aws:ResourceTag/{key}"] = value
            keys[f"sagemaker:ResourceTag/{key}"] = value
        if package:
            if t.stage is not None:
                keys["sagemaker:CurrentModelLifeCycleStage"] = t.stage
            if t.stage_status is not None:
                keys["sagemaker:CurrentModelLifeCycleStageStatus"] = t.stage_status
            for key, value in t.metadata.items():
                keys[f"sagemaker:CurrentCustomerMetadataProperties/{key}"] = value
        return keys


def _package_request(p: Mapping[str, Any]) -> dict[str, ContextValue]:
    """The ModelPackage keys a Create/UpdateModelPackage request carries."""
    keys: dict[str, ContextValue] = {}
    if "ModelApprovalStatus" in p:
        keys["sagemaker:ModelApprovalStatus"] = p["ModelApprovalStatus"]
    life = p.get("ModelLifeCycle") or {}
    if "Stage" in life:
        keys["sagemaker:ModelLifeCycle:Stage"] = life["Stage"]
    if "StageStatus" in life:
        keys["sagemaker:ModelLifeCycle:StageStatus"] = life["StageStatus"]
    for key, value in (p.get("CustomerMetadataProperties") or {}).items():
        keys[f"sagemaker:CustomerMetadataProperties/{key}"] = value
    if p.get("CustomerMetadataPropertiesToRemove"):
        keys["sagemaker:CustomerMetadataPropertiesToRemove"] = tuple(p["CustomerMetadataPropertiesToRemove"])
    return keys


def _tagged_create(
    c: _Call, action: str, resource: str, extra: Mapping[str, ContextValue] | None = None
) -> None:
    tags = c.tags(c.params.get("Tags"))
    c.add(action, resource, {**tags, **(extra or {})})
    if tags:  # SageMaker needs sagemaker:AddTags too when a create request carries tags
        c.add("sagemaker:AddTags", resource, tags)


def _pass_role(c: _Call, role_arn: str, service: str, associated: str | None = None) -> None:
    keys: dict[str, ContextValue] = {"iam:PassedToService": service}
    if associated:
        keys["iam:AssociatedResourceArn"] = associated
    c.add("iam:PassRole", role_arn, keys)


def _create_model_package(c: _Call) -> None:
    p = c.params
    group = p.get("ModelPackageGroupName")
    name = f"{group}/{c.target.next_version}" if group else p["ModelPackageName"]
    _tagged_create(c, "sagemaker:CreateModelPackage", c.sagemaker("model-package", name), _package_request(p))


def _update_model_package(c: _Call) -> None:
    arn = c.params["ModelPackageArn"]
    c.add("sagemaker:UpdateModelPackage", arn, {**c.stored(package=True), **_package_request(c.params)})


def _on_package(action: str) -> Callable[[_Call], None]:
    def build(c: _Call) -> None:
        c.add(action, c.sagemaker("model-package", c.params["ModelPackageName"]), c.stored(package=True))

    return build


def _list_model_packages(c: _Call) -> None:
    # The API permissions reference gives model-package/<name> for ListModelPackages (its general note says
    # List calls take no resource-level permission): a group filter is the group's package namespace.
    group = c.params.get("ModelPackageGroupName")
    c.add("sagemaker:ListModelPackages", c.sagemaker("model-package", f"{group}/*") if group else "*")


def _create_model(c: _Call) -> None:
    p = c.params
    model = c.sagemaker("model", p["ModelName"])
    extra: dict[str, ContextValue] = {}
    if "EnableNetworkIsolation" in p:
        extra["sagemaker:NetworkIsolation"] = str(bool(p["EnableNetworkIsolation"])).lower()
    _tagged_create(c, "sagemaker:CreateModel", model, extra)
    if p.get("ExecutionRoleArn"):
        _pass_role(c, p["ExecutionRoleArn"], "sagemaker.amazonaws.com", model)


def _create_endpoint_config(c: _Call) -> None:
    p = c.params
    variants = [*p.get("ProductionVariants", []), *p.get("ShadowProductionVariants", [])]
    extra: dict[str, ContextValue] = {}
    models = tuple(c.sagemaker("model", v["ModelName"]) for v in variants if v.get("ModelName"))
    if models:
        extra["sagemaker:ModelArn"] = models
    instance_types = tuple(v["InstanceType"] for v in variants if v.get("InstanceType"))
    if instance_types:
        extra["sagemaker:InstanceTypes"] = instance_types
    _tagged_create(
        c, "sagemaker:CreateEndpointConfig", c.sagemaker("endpoint-config", p["EndpointConfigName"]), extra
    )


def _create_endpoint(c: _Call) -> None:
    endpoint = c.sagemaker("endpoint", c.params["EndpointName"])
    _tagged_create(c, "sagemaker:CreateEndpoint", endpoint)
    c.add("sagemaker:CreateEndpoint", c.sagemaker("endpoint-config", c.params["EndpointConfigName"]))


def _update_endpoint(c: _Call) -> None:
    c.add("sagemaker:UpdateEndpoint", c.sagemaker("endpoint", c.params["EndpointName"]), c.stored())
    c.add("sagemaker:UpdateEndpoint", c.sagemaker("endpoint-config", c.params["EndpointConfigName"]))


def _on(action: str, kind: str, param: str) -> Callable[[_Call], None]:
    def build(c: _Call) -> None:
        c.add(action, c.sagemaker(kind, c.params[param]), c.stored())

    return build


def _tags_of(action: str) -> Callable[[_Call], None]:
    def build(c: _Call) -> None:
        arn = c.params["ResourceArn"]
        keys = c.stored(package=":model-package/" in arn)
        if action == "sagemaker:AddTags":
            keys.update(c.tags(c.params.get("Tags")))
        if action == "sagemaker:DeleteTags":
            keys["aws:TagKeys"] = tuple(c.params.get("TagKeys", []))
        c.add(action, arn, keys)

    return build


def _invoke_endpoint(c: _Call) -> None:
    extra: dict[str, ContextValue] = {}
    if "TargetModel" in c.params:
        extra["sagemaker:TargetModel"] = c.params["TargetModel"]
    c.add("sagemaker:InvokeEndpoint", c.sagemaker("endpoint", c.params["EndpointName"]), extra)


def _kms(c: _Call, action: str, key_arn: str | None, via: str) -> None:
    if key_arn:  # the service calls KMS with the caller's credentials (kms:ViaService names it)
        key = key_arn if key_arn.startswith("arn:") else c.arn("kms", f"key/{key_arn}")
        c.add(
            action,
            key,
            {
                "kms:ViaService": f"{via}.{c.env.region}.{c.env.url_suffix}",
                "kms:CallerAccount": c.env.account,
            },
        )


def _object(c: _Call) -> str:
    return f"arn:{c.env.partition}:s3:::{c.params['Bucket']}/{c.params['Key']}"


def _put_object(c: _Call) -> None:
    p = c.params
    extra: dict[str, ContextValue] = {}
    for param, key in (
        ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
        ("SSEKMSKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"),
        ("IfNoneMatch", "s3:if-none-match"),
        ("IfMatch", "s3:if-match"),
    ):
        if param in p:
            extra[key] = str(p[param])
    c.add("s3:PutObject", _object(c), extra)
    _kms(c, "kms:GenerateDataKey", p.get("SSEKMSKeyId") or c.target.kms_key_arn, "s3")


def _get_object(c: _Call) -> None:
    versioned = "VersionId" in c.params
    extra: dict[str, ContextValue] = {"s3:versionid": c.params["VersionId"]} if versioned else {}
    c.add("s3:GetObjectVersion" if versioned else "s3:GetObject", _object(c), extra)
    _kms(c, "kms:Decrypt", c.target.kms_key_arn, "s3")


def _delete_object(c: _Call) -> None:
    c.add("s3:DeleteObjectVersion" if "VersionId" in c.params else "s3:DeleteObject", _object(c))


def _list_bucket(c: _Call) -> None:
    extra: dict[str, ContextValue] = {}
    for param, key in (("Prefix", "s3:prefix"), ("Delimiter", "s3:delimiter"), ("MaxKeys", "s3:max-keys")):
        if param in c.params:
            extra[key] = str(c.params[param])
    c.add("s3:ListBucket", f"arn:{c.env.partition}:s3:::{c.params['Bucket']}", extra)


def _publish(c: _Call) -> None:
    c.add("sns:Publish", c.params["TopicArn"])
    # Publishing to an encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its key.
    _kms(c, "kms:GenerateDataKey", c.target.kms_key_arn, "sns")
    _kms(c, "kms:Decrypt", c.target.kms_key_arn, "sns")


def _sqs(action: str) -> Callable[[_Call], None]:
    def build(c: _Call) -> None:
        url = str(c.params["QueueUrl"])
        host, account, name = url.split("://", 1)[-1].split("/")
        c.add(action, f"arn:{c.env.partition}:sqs:{host.split('.')[1]}:{account}:{name}")

    return build


def _key(action: str) -> Callable[[_Call], None]:
    def build(c: _Call) -> None:
        key = str(c.params["KeyId"])
        c.add(action, key if key.startswith("arn:") else c.arn("kms", f"key/{key}"))

    return build


def _invoke_function(c: _Call) -> None:
    name = str(c.params["FunctionName"])
    c.add("lambda:InvokeFunction", name if name.startswith("arn:") else c.arn("lambda", f"function:{name}"))


def _describe_alarms(c: _Call) -> None:
    for name in c.params.get("AlarmNames") or ["*"]:
        c.add("cloudwatch:DescribeAlarms", c.arn("cloudwatch", f"alarm:{name}"))


def _put_metric_data(c: _Call) -> None:
    c.add("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": c.params["Namespace"]})


def _assume_role(c: _Call) -> None:
    c.add("sts:AssumeRole", c.params["RoleArn"])


_OPERATIONS: dict[tuple[str, str], Callable[[_Call], None]] = {
    ("sagemaker", "CreateModelPackage"): _create_model_package,
    ("sagemaker", "UpdateModelPackage"): _update_model_package,
    ("sagemaker", "DescribeModelPackage"): _on_package("sagemaker:DescribeModelPackage"),
    ("sagemaker", "DeleteModelPackage"): _on_package("sagemaker:DeleteModelPackage"),
    ("sagemaker", "ListModelPackages"): _list_model_packages,
    ("sagemaker", "DescribeModelPackageGroup"): _on(
        "sagemaker:DescribeModelPackageGroup", "model-package-group", "ModelPackageGroupName"
    ),
    ("sagemaker", "Search"): lambda c: c.add("sagemaker:Search", "*"),
    ("sagemaker", "CreateModel"): _create_model,
    ("sagemaker", "DescribeModel"): _on("sagemaker:DescribeModel", "model", "ModelName"),
    ("sagemaker", "DeleteModel"): _on("sagemaker:DeleteModel", "model", "ModelName"),
    ("sagemaker", "CreateEndpointConfig"): _create_endpoint_config,
    ("sagemaker", "DescribeEndpointConfig"): _on(
        "sagemaker:DescribeEndpointConfig", "endpoint-config", "EndpointConfigName"
    ),
    ("sagemaker", "DeleteEndpointConfig"): _on(
        "sagemaker:DeleteEndpointConfig", "endpoint-config", "EndpointConfigName"
    ),
    ("sagemaker", "CreateEndpoint"): _create_endpoint,
    ("sagemaker", "UpdateEndpoint"): _update_endpoint,
    ("sagemaker", "DescribeEndpoint"): _on("sagemaker:DescribeEndpoint", "endpoint", "EndpointName"),
    ("sagemaker", "DeleteEndpoint"): _on("sagemaker:DeleteEndpoint", "endpoint", "EndpointName"),
    ("sagemaker", "AddTags"): _tags_of("sagemaker:AddTags"),
    ("sagemaker", "ListTags"): _tags_of("sagemaker:ListTags"),
    ("sagemaker", "DeleteTags"): _tags_of("sagemaker:DeleteTags"),
    ("sagemaker-runtime", "InvokeEndpoint"): _invoke_endpoint,
    ("s3", "PutObject"): _put_object,
    ("s3", "GetObject"): _get_object,
    ("s3", "HeadObject"): _get_object,
    ("s3", "DeleteObject"): _delete_object,
    ("s3", "ListObjectsV2"): _list_bucket,
    ("s3", "ListObjects"): _list_bucket,
    ("sns", "Publish"): _publish,
    ("sqs", "SendMessage"): _sqs("sqs:SendMessage"),
    ("sqs", "ReceiveMessage"): _sqs("sqs:ReceiveMessage"),
    ("sqs", "DeleteMessage"): _sqs("sqs:DeleteMessage"),
    ("sqs", "PurgeQueue"): _sqs("sqs:PurgeQueue"),
    ("sqs", "GetQueueAttributes"): _sqs("sqs:GetQueueAttributes"),
    ("kms", "Decrypt"): _key("kms:Decrypt"),
    ("kms", "GenerateDataKey"): _key("kms:GenerateDataKey"),
    ("kms", "DescribeKey"): _key("kms:DescribeKey"),
    ("lambda", "Invoke"): _invoke_function,
    ("cloudwatch", "DescribeAlarms"): _describe_alarms,
    ("cloudwatch", "PutMetricData"): _put_metric_data,
    ("sts", "AssumeRole"): _assume_role,
}


def operations() -> list[tuple[str, str]]:
    """Every (service, operation) this module maps."""
    return sorted(_OPERATIONS)


def authorizations(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    env: Environment,
    target: Target | None = None,
    secure_transport: bool = True,
    source_arn: str | None = None,
    source_account: str | None = None,
) -> list[Authorization]:
    """Every authorization IAM performs for one call; each must be allowed for the call to succeed.

    ``source_arn``/``source_account`` are set when a service principal calls on a resource's behalf
    (a CloudWatch alarm publishing, an EventBridge rule invoking a function)."""
    build = _OPERATIONS.get((service, operation))
    if build is None:
        raise UnmappedOperation(
            f"no IAM mapping for {service}:{operation}; add it to modelops.local.iam.requests from the "
            "service authorization reference (refused until then)"
        )
    base: dict[str, ContextValue] = {
        "aws:SecureTransport": "true" if secure_transport else "false",
        "aws:RequestedRegion": env.region,
    }
    if source_arn:
        base["aws:SourceArn"] = source_arn
    if source_account:
        base["aws:SourceAccount"] = source_account
    call = _Call(params, env, target or Target(), base)
    build(call)
    for auth in call.found:
        check(auth)
    return call.found


def check(auth: Authorization) -> None:
    """Raise :class:`ReferenceMismatch` unless the reference lists the action, a resource type of the
    resource's shape (or none required, for ``*``) and every condition key for that action."""
    try:
        entry = reference.action(auth.action)
    except reference.UnknownAction as error:
        raise ReferenceMismatch(str(error)) from None
    if auth.resource == "*":
        if any(rt.required for rt in entry.resource_types):
            raise ReferenceMismatch(f"{entry.name} needs a resource ARN; the mapping gave '*'")
    elif entry.resource_type_of(auth.resource) is None:
        kinds = ", ".join(rt.name for rt in entry.resource_types) or "none"
        raise ReferenceMismatch(f"{auth.resource} is not a resource type of {entry.name} ({kinds})")
    unknown = [key for key in auth.context if not entry.supports_key(key)]
    if unknown:
        raise ReferenceMismatch(f"{entry.name} does not support condition keys {', '.join(unknown)}")
