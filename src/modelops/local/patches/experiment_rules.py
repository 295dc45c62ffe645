"""What CreateInferenceExperiment and UpdateInferenceExperiment refuse, as SageMaker documents it.

Sources: the API reference (CreateInferenceExperiment, UpdateInferenceExperiment, ShadowModeConfig: "Array
Members: Fixed number of 1 item", ShadowModelVariantConfig.SamplingPercentage at most 100,
InferenceExperimentSchedule: "The maximum duration that you can set for an inference experiment is 30 days",
ModelInfrastructureConfig: ``InfrastructureType`` is only ``RealTimeInference``) and the developer guide
("Shadow tests": an endpoint using asynchronous inference, multiple containers, multi-model hosting or Inf1
instances cannot run a shadow test, "your request to set up shadow tests will lead to validation errors";
"Create a shadow test": "SageMaker AI supports a maximum of one shadow variant per endpoint"; "Edit a shadow
test": after the test starts "you can only change the description, the traffic sampling percentage for the
shadow variant, and the end date").

The reference names no error code for most of these: a refused request is a ``ValidationException``
(SageMaker's Common Errors), a name taken or an endpoint already under test ``ResourceInUse`` (the error
CreateInferenceExperiment lists: "Resource being accessed is in use"). Not checked, because nothing here can
tell: a Marketplace container. The console's one-hour minimum duration ("Create a shadow test": "The minimum
duration is 1 hour") is not in the API reference and is not enforced: choose windows of an hour or more for
AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ResourceInUseException, ValidationError

from modelops.local.patches import experiment_store as store
from modelops.local.patches.shadow_variants import shadow_variants_of

REAL_TIME = "RealTimeInference"


def check_type(kind: Any) -> None:
    if kind != store.SHADOW_MODE:
        raise ValidationError(
            f"Value '{kind}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: "
            f"[{store.SHADOW_MODE}]"
        )


def schedule(requested: Mapping[str, Any] | None, created: datetime) -> tuple[datetime, datetime]:
    """(start, end) of a requested Schedule, defaults filled in, or the ValidationException."""
    requested = requested or {}
    start = store.as_time(requested["StartTime"]) if requested.get("StartTime") is not None else created
    end = (
        store.as_time(requested["EndTime"])
        if requested.get("EndTime") is not None
        else start + store.DEFAULT_DURATION
    )
    check_window(start, end)
    return start, end


def check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise ValidationError(f"The schedule's EndTime {end.isoformat()} must be after its StartTime.")
    if end - start > store.MAX_DURATION:
        raise ValidationError(
            f"The schedule lasts {end - start}; an inference experiment can last at most 30 days."
        )


def check_variants(backend: Any, variants: list[dict[str, Any]], shadow_mode: Mapping[str, Any]) -> None:
    """ModelVariants and ShadowModeConfig agree, name models that exist, and run on real-time instances."""
    names = [v["VariantName"] for v in variants]
    if len(set(names)) != len(names):
        raise ValidationError(f"ModelVariants names a variant more than once: {', '.join(names)}.")
    shadows = shadow_mode.get("ShadowModelVariants") or []
    if len(shadows) != 1:
        raise ValidationError(
            f"ShadowModeConfig.ShadowModelVariants holds {len(shadows)} variants; it must hold exactly one."
        )
    percentage = shadows[0].get("SamplingPercentage")
    if isinstance(percentage, bool) or not isinstance(percentage, int) or not 0 <= percentage <= 100:
        raise ValidationError(
            f"Value '{percentage}' at 'shadowModeConfig.shadowModelVariants.1.member.samplingPercentage' "
            "failed to satisfy constraint: Member must have value between 0 and 100"
        )
    source, shadow = shadow_mode.get("SourceModelVariantName"), shadows[0].get("ShadowModelVariantName")
    if source == shadow:
        raise ValidationError(f"The source and the shadow variant are both {source!r}; they must differ.")
    for role, name in (("SourceModelVariantName", source), ("ShadowModelVariantName", shadow)):
        if name not in names:
            raise ValidationError(f"{role} {name!r} is not one of ModelVariants ({', '.join(names)}).")
    for variant in variants:
        check_variant(backend, variant)


def check_variant(backend: Any, variant: Mapping[str, Any]) -> None:
    """One ModelVariantConfig: real-time instances other than Inf1, and a model a shadow test can serve."""
    infrastructure = variant.get("InfrastructureConfig") or {}
    if infrastructure.get("InfrastructureType") != REAL_TIME:
        raise ValidationError(
            f"Value '{infrastructure.get('InfrastructureType')}' at 'infrastructureType' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [{REAL_TIME}]"
        )
    instance_type = str((infrastructure.get("RealTimeInferenceConfig") or {}).get("InstanceType", ""))
    if instance_type.startswith("ml.inf1."):
        raise ValidationError(f"Variant {variant['VariantName']}: shadow tests cannot use Inf1 instances.")
    _check_model(backend, str(variant["ModelName"]))


def _check_model(backend: Any, name: str) -> None:
    model = backend._models.get(name)
    if model is None:
        arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:model/{name.lower()}"
        raise ValidationError(f"Could not find model '{arn}'.")
    if len(model.containers or []) > 1:
        raise ValidationError(f"Model {name} has several containers; shadow tests cannot use it.")
    container = model.primary_container or (model.containers[0] if model.containers else {})
    if container.get("Mode") == "MultiModel":
        raise ValidationError(f"Model {name} is a multi-model endpoint's; shadow tests cannot use it.")


def check_endpoint(backend: Any, endpoint_name: str, source_variant: str) -> None:
    """The endpoint exists, is InService, serves the source variant and can take a shadow variant."""
    endpoint = backend.endpoints.get(endpoint_name)
    if endpoint is None:
        arn = f"arn:aws:sagemaker:{backend.region_name}:{backend.account_id}:endpoint/{endpoint_name.lower()}"
        raise ValidationError(f"Could not find endpoint '{arn}'.")
    busy = [e.name for e in store.of_endpoint(backend, endpoint_name) if not e.finished]
    if busy:
        raise ResourceInUseException(
            f"Endpoint {endpoint_name} already has inference experiment {busy[0]} "
            "(an endpoint runs one shadow test at a time)."
        )
    if endpoint.endpoint_status != "InService":
        raise ValidationError(
            f"Endpoint {endpoint_name} is {endpoint.endpoint_status}; an inference experiment needs it InService."
        )
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    production = config.production_variants if config is not None else []
    if any(v.get("ServerlessConfig") for v in production):
        raise ValidationError(
            f"Endpoint {endpoint_name} is serverless; inference experiments run on real-time instances only."
        )
    if config is not None and config.async_inference_config:
        raise ValidationError(
            f"Endpoint {endpoint_name} uses asynchronous inference; it cannot run a shadow test."
        )
    if source_variant not in [v["VariantName"] for v in production]:
        raise ValidationError(
            f"SourceModelVariantName {source_variant!r} is not a production variant of endpoint {endpoint_name}."
        )
    if config is not None and shadow_variants_of(config):
        raise ResourceInUseException(
            f"Endpoint {endpoint_name} already has a shadow variant; an endpoint can have at most one."
        )


def check_update_while_running(experiment: store.Experiment, request: Mapping[str, Any]) -> None:
    """A running experiment changes only its description, its end time and its sampling percentage."""
    refused = [member for member in ("ModelVariants", "DataStorageConfig") if request.get(member) is not None]
    requested_start = (request.get("Schedule") or {}).get("StartTime")
    if requested_start is not None and store.as_time(requested_start) != experiment.start:
        refused.append("Schedule.StartTime")
    shadow_mode = request.get("ShadowModeConfig")
    if shadow_mode is not None:
        shadows = shadow_mode.get("ShadowModelVariants") or [{}]
        if (
            shadow_mode.get("SourceModelVariantName") != experiment.source_variant
            or shadows[0].get("ShadowModelVariantName") != experiment.shadow_variant
        ):
            refused.append("ShadowModeConfig variants")
    if refused:
        raise ValidationError(
            f"Inference experiment {experiment.name} is Running: only its Description, Schedule.EndTime and the "
            f"shadow variant's SamplingPercentage can change, not {', '.join(refused)}."
        )
