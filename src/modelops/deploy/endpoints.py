"""Serve a model package on an endpoint: model, endpoint config, create/update, tags.

Names derive from content (the package ARN and the serving settings), never from the clock, so a retried
or duplicated deployment reuses what an earlier attempt created and "already deployed" is a name
comparison. Nothing is deleted except an endpoint whose creation failed (it serves nothing and cannot be
updated, only replaced).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from modelops.contract import lifecycle, names
from modelops.contract.names import VARIANT
from modelops.deploy.errors import EndpointBusyError, ForeignResourceError
from modelops.deploy.packages import PackageVersion
from modelops.deploy.settings import DeploySettings

IN_SERVICE = "InService"
FAILED = "Failed"
# Statuses in which SageMaker refuses an update; the event is retried until the endpoint settles.
BUSY = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting", "UpdateRollbackFailed")

# Blue/green timings. Production waits long enough between traffic steps for the rollback alarms
# (1-minute periods, 2 of 3 datapoints) to fire; staging has no live traffic to protect.
_BAKE_SECONDS = {"staging": 0, "production": 300}
_MAX_EXECUTION_SECONDS = 3600  # SageMaker's range is 600-28800


@dataclass(frozen=True)
class Placement:
    """How one environment serves a package: the endpoint and its serving settings."""

    environment: str  # "staging" or "production"
    endpoint_name: str
    instance_type: str
    instance_count: int = 1
    serverless: bool = False
    traffic_shifting: str = "all-at-once"
    rollback_alarms: tuple[str, ...] = ()
    data_capture_uri: str = ""
    data_capture_kms_key: str = ""


@dataclass(frozen=True)
class EndpointState:
    name: str
    arn: str
    status: str
    config_name: str
    failure_reason: str
    tags: Mapping[str, str]

    @property
    def served_package(self) -> str | None:
        """The package ARN the deployer last put on this endpoint (the tag), if any."""
        return self.tags.get(lifecycle.TAG_SERVED_PACKAGE) or None

    @property
    def previous_package(self) -> str | None:
        return self.tags.get(lifecycle.TAG_PREVIOUS_PACKAGE) or None


def _short_hash(*parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()[:10]


def model_name(
    project: str, environment: str, version: int, package_arn: str, role_arn: str, spec_digest: str
) -> str:
    """``<project>-stag-v<n>-<hash>`` / ``<project>-prod-v<n>-<hash>``: each endpoint stage builds its own
    model (with its own execution role), so the staging deployer can never create the model production uses
    (IAM scopes each deployer to its stage's prefix, ``names.resource_prefix``).

    The hash covers the package's inference specification (``packages.specification_digest``): SageMaker
    copies the containers into the model at CreateModel, and UpdateModelPackage may change them later, so a
    model made before a change must never be reused for the package after it."""
    prefix = names.resource_prefix(project, environment)
    return f"{prefix}{version}-{_short_hash(package_arn, role_arn, spec_digest)}"


def endpoint_config_name(
    project: str, placement: Placement, version: int, package_arn: str, spec_digest: str
) -> str:
    # Only what goes into the endpoint config counts: traffic shifting and alarms belong to the update.
    # The specification digest too, since it names the model the config serves (model_name).
    content = (
        package_arn,
        spec_digest,
        placement.environment,
        placement.instance_type,
        placement.instance_count,
        placement.serverless,
        placement.data_capture_uri,
        placement.data_capture_kms_key,
    )
    return f"{names.resource_prefix(project, placement.environment)}{version}-{_short_hash(*content)}"


def describe_endpoint(sagemaker: Any, name: str) -> EndpointState | None:
    """The endpoint and its tags, or None when it does not exist."""
    try:
        raw = sagemaker.describe_endpoint(EndpointName=name)
    except ClientError as error:
        if _is_not_found(error):
            return None
        raise
    tags: dict[str, str] = {}
    # Later entries win: AWS overwrites a key on add_tags, and so does reading them in order.
    for tag in sagemaker.list_tags(ResourceArn=raw["EndpointArn"]).get("Tags", []):
        tags[tag["Key"]] = tag["Value"]
    return EndpointState(
        name=name,
        arn=raw["EndpointArn"],
        status=raw.get("EndpointStatus", ""),
        config_name=raw.get("EndpointConfigName", ""),
        failure_reason=raw.get("FailureReason", ""),
        tags=tags,
    )


def package_of_config(sagemaker: Any, config_name: str) -> str | None:
    """The package ARN an endpoint config serves, from the tag written when the config was made.

    This is what an endpoint really runs after a failed update or an automatic rollback, when the
    endpoint's own tag still names the package the deployer intended.
    """
    try:
        arn = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)["EndpointConfigArn"]
    except ClientError as error:
        if _is_not_found(error):
            return None
        raise
    for tag in sagemaker.list_tags(ResourceArn=arn).get("Tags", []):
        if tag["Key"] == lifecycle.TAG_SERVED_PACKAGE:
            return str(tag["Value"])
    return None


def ensure_not_busy(endpoint: EndpointState | None) -> None:
    if endpoint is not None and endpoint.status in BUSY:
        raise EndpointBusyError(f"endpoint {endpoint.name} is {endpoint.status}; retry once it settles")


def settled_deployment(sagemaker: Any, name: str) -> tuple[EndpointState, str] | str:
    """The endpoint, once settled, and the package ARN the deployer last gave it; or why there is none.

    Every state change of an endpoint sends an event; only a settled endpoint carrying our tag has an
    outcome to record. The reason is for the log.
    """
    endpoint = describe_endpoint(sagemaker, name)
    if endpoint is None or endpoint.status in BUSY:
        return f"{name} is {endpoint.status if endpoint else 'absent'}"
    if endpoint.served_package is None:
        return f"{name} carries no {lifecycle.TAG_SERVED_PACKAGE} tag"
    return endpoint, endpoint.served_package


def settled_unchanged(outcome: str, endpoint: EndpointState | None) -> bool:
    """``serve`` found the package already in service, so no state-change event will follow.

    An earlier attempt deployed it but stopped before recording, and the InService event is long gone:
    the caller records the outcome now instead of waiting for an event.
    """
    return outcome == "unchanged" and endpoint is not None and endpoint.status == IN_SERVICE


def serve(
    sagemaker: Any,
    settings: DeploySettings,
    placement: Placement,
    package: PackageVersion,
    endpoint: EndpointState | None,
) -> str:
    """Make ``placement.endpoint_name`` serve ``package``. Returns "created", "updated" or "unchanged".

    The model runs as the settings' execution role; names carry the settings' project prefix. The caller
    has checked the guards and that the endpoint is not busy. Tags are written after the update call
    succeeds, so a refused update leaves the endpoint's tags telling the truth.
    """
    project, role_arn = settings.project_name, settings.execution_role_arn
    package_arn, version = package.arn, package.version
    config = endpoint_config_name(project, placement, version, package_arn, package.spec_digest)
    model = model_name(project, placement.environment, version, package_arn, role_arn, package.spec_digest)
    tag = [{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": package_arn}]
    if endpoint is not None and endpoint.config_name == config and endpoint.status != FAILED:
        _check_config(sagemaker, config, model)
        _check_model(sagemaker, model, package_arn, role_arn)
        return "unchanged"
    ensure_model(sagemaker, settings, placement.environment, package)
    if not _created(
        sagemaker.create_endpoint_config,
        EndpointConfigName=config,
        ProductionVariants=[_variant(placement, model)],
        Tags=tag,
        **_data_capture(placement),
    ):
        _check_config(sagemaker, config, model)
    if endpoint is not None and endpoint.status == FAILED:
        endpoint = _replace_failed(sagemaker, endpoint)
    if endpoint is None:
        try:
            sagemaker.create_endpoint(
                EndpointName=placement.endpoint_name, EndpointConfigName=config, Tags=tag
            )
        except ClientError as error:
            if _code(error) == "ValidationException" and "already exist" in str(error).lower():
                # Another deployment created it between our describe and this call.
                raise EndpointBusyError(
                    f"endpoint {placement.endpoint_name} was created meanwhile; retry"
                ) from error
            raise
        return "created"
    try:
        sagemaker.update_endpoint(
            EndpointName=endpoint.name, EndpointConfigName=config, **_deployment_config(placement)
        )
    except ClientError as error:
        # Another deployment won the race between our describe and this call.
        message = str(error).lower()
        if _code(error) == "ValidationException" and ("in-progress" in message or "status is" in message):
            raise EndpointBusyError(f"endpoint {endpoint.name} started updating; retry later") from error
        raise
    tags = list(tag)
    if endpoint.served_package and endpoint.served_package != package_arn:
        tags.append({"Key": lifecycle.TAG_PREVIOUS_PACKAGE, "Value": endpoint.served_package})
    sagemaker.add_tags(ResourceArn=endpoint.arn, Tags=tags)
    return "updated"


def retag(sagemaker: Any, endpoint: EndpointState, served: str, previous: str | None) -> None:
    """Make the endpoint's tags match what it really serves (after a failed update or a rollback)."""
    tags = [{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": served}]
    if previous:
        tags.append({"Key": lifecycle.TAG_PREVIOUS_PACKAGE, "Value": previous})
    sagemaker.add_tags(ResourceArn=endpoint.arn, Tags=tags)


def ensure_model(sagemaker: Any, settings: DeploySettings, environment: str, package: PackageVersion) -> str:
    """The model serving ``package`` in ``environment``, created unless an earlier attempt made it (then
    checked to be ours): the blue/green update and a shadow test of the same version share it."""
    role_arn = settings.execution_role_arn
    model = model_name(
        settings.project_name, environment, package.version, package.arn, role_arn, package.spec_digest
    )
    if not _created(
        sagemaker.create_model,
        ModelName=model,
        ExecutionRoleArn=role_arn,
        Containers=[{"ModelPackageName": package.arn}],
        Tags=[{"Key": lifecycle.TAG_SERVED_PACKAGE, "Value": package.arn}],
    ):
        _check_model(sagemaker, model, package.arn, role_arn)
    return model


def _variant(placement: Placement, model: str) -> dict[str, Any]:
    variant: dict[str, Any] = {"VariantName": VARIANT, "ModelName": model}
    if placement.serverless:
        # Serverless costs nothing while idle; 2 GB fits the scikit-learn serving container.
        variant["ServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    else:
        variant.update(
            InstanceType=placement.instance_type,
            InitialInstanceCount=placement.instance_count,
            InitialVariantWeight=1.0,
        )
    return variant


def _data_capture(placement: Placement) -> dict[str, Any]:
    if not placement.data_capture_uri or placement.serverless:
        return {}
    config: dict[str, Any] = {
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": placement.data_capture_uri,
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
    }
    if placement.data_capture_kms_key:
        config["KmsKeyId"] = placement.data_capture_kms_key
    return {"DataCaptureConfig": config}


def _deployment_config(placement: Placement) -> dict[str, Any]:
    """Blue/green traffic shifting for UpdateEndpoint, with the rollback alarms when there are any.

    Serverless endpoints take no DeploymentConfig. A one-instance fleet cannot split traffic, so canary
    and linear fall back to all-at-once there (SageMaker would refuse the request).
    """
    if placement.serverless:
        return {}
    bake = _BAKE_SECONDS.get(placement.environment, 0)
    mode = placement.traffic_shifting if placement.instance_count > 1 else "all-at-once"
    routing: dict[str, Any]
    if mode == "canary":
        routing = {
            "Type": "CANARY",
            "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": bake,
        }
    elif mode == "linear":
        routing = {
            "Type": "LINEAR",
            "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": bake,
        }
    else:
        routing = {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": bake}
    config: dict[str, Any] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": routing,
            "TerminationWaitInSeconds": bake,
            "MaximumExecutionTimeoutInSeconds": _MAX_EXECUTION_SECONDS,
        }
    }
    if placement.rollback_alarms:
        alarms = [{"AlarmName": name} for name in placement.rollback_alarms]
        config["AutoRollbackConfiguration"] = {"Alarms": alarms}
    return {"DeploymentConfig": config}


def _replace_failed(sagemaker: Any, endpoint: EndpointState) -> EndpointState | None:
    sagemaker.delete_endpoint(EndpointName=endpoint.name)
    remaining = describe_endpoint(sagemaker, endpoint.name)
    if remaining is not None:
        raise EndpointBusyError(f"endpoint {endpoint.name} failed and is being deleted; retry to recreate it")
    return None


def _created(create: Any, **request: Any) -> bool:
    """Create a model or endpoint config: True if created, False if one of that name already exists.

    SageMaker refuses a duplicate name; an existing one may be an earlier attempt of ours, or not ours at
    all (anyone who may create under the prefix can guess a content-derived name), so the caller checks.
    """
    try:
        create(**request)
    except ClientError as error:
        if _code(error) == "ValidationException" and "already exist" in str(error).lower():
            return False
        raise
    return True


def _check_model(sagemaker: Any, model: str, package_arn: str, role_arn: str) -> None:
    """The model ``model`` runs exactly ``package_arn`` as ``role_arn``, or ForeignResourceError."""
    described = sagemaker.describe_model(ModelName=model)
    containers = described.get("Containers") or [described.get("PrimaryContainer") or {}]
    sources = [c.get("ModelPackageName") or c.get("ModelDataUrl") or c.get("Image") for c in containers]
    if sources != [package_arn] or described.get("ExecutionRoleArn") != role_arn:
        raise ForeignResourceError(
            f"model {model} exists but was not created from {package_arn} with the deployer's execution "
            f"role (it runs {', '.join(map(str, sources)) or 'nothing'} as {described.get('ExecutionRoleArn')})"
        )


def _check_config(sagemaker: Any, config: str, model: str) -> None:
    """The endpoint config ``config`` serves only the model ``model``, or ForeignResourceError."""
    described = sagemaker.describe_endpoint_config(EndpointConfigName=config)
    models = [variant.get("ModelName") for variant in described.get("ProductionVariants", [])]
    if models != [model]:
        raise ForeignResourceError(
            f"endpoint config {config} exists but serves {', '.join(map(str, models)) or 'nothing'}, "
            f"not {model}"
        )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_not_found(error: ClientError) -> bool:
    missing = "could not find" in str(error).lower()
    return _code(error) in ("ValidationException", "ResourceNotFound") and missing
