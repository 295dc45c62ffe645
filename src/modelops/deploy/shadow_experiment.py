"""The inference experiment of a shadow test: find, create and start, stop. The production deployer's alone.

SageMaker's shadow tests are inference experiments of Type ``ShadowMode`` (developer guide, "Shadow tests";
API reference: CreateInferenceExperiment, StartInferenceExperiment, StopInferenceExperiment,
DescribeInferenceExperiment, ListInferenceExperiments): the production variant keeps answering every caller, the
shadow variant receives a sampled copy of each request, and both variants' requests and responses are
captured to the experiment's ``DataStorageConfig``. Stopping with ``ModelVariantActions`` ``Remove`` for the
shadow and ``Retain`` for production takes the shadow off the endpoint and leaves production as it was.

Names derive from the project, the version and an attempt number (``<project>-shadow-v7-1``), never from the
clock: a retried or duplicated start finds the experiment an earlier attempt created, and a version promoted
again after a finished test gets the next attempt. All state is SageMaker's: the experiment and ModelLifeCycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from modelops.contract.names import SHADOW_VARIANT, VARIANT, shadow_experiment_prefix
from modelops.deploy.settings import DeploySettings

# The statuses CreateInferenceExperiment's experiment goes through (DescribeInferenceExperiment, Status):
# an experiment in one of ACTIVE holds the endpoint's one shadow slot.
ACTIVE = ("Creating", "Created", "Updating", "Starting", "Running", "Stopping")
FINISHED = ("Completed", "Cancelled")
RUNNING = "Running"
CANCELLED = "Cancelled"


@dataclass(frozen=True)
class Experiment:
    """What the gate needs of one inference experiment, as DescribeInferenceExperiment answers."""

    name: str
    status: str
    status_reason: str
    endpoint_name: str
    start: datetime | None
    end: datetime | None
    capture_uri: str  # DataStorageConfig.Destination
    version: int  # of the candidate, from the name

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


def name_for(project: str, version: int, attempt: int) -> str:
    return f"{shadow_experiment_prefix(project)}{version}-{attempt}"


def version_of_name(project: str, name: str) -> int | None:
    """The candidate's version in an experiment name this project's deployer made; None for another's."""
    rest = name.removeprefix(shadow_experiment_prefix(project))
    number, dash, attempt = rest.partition("-")
    if rest == name or not dash or not number.isdigit() or not attempt.isdigit():
        return None
    return int(number)


def _attempt_of(name: str) -> int:
    return int(name.rsplit("-", 1)[1])


def listed(sagemaker: Any, settings: DeploySettings, version: int | None = None) -> list[dict[str, Any]]:
    """The summaries of this project's experiments (of ``version`` only, if given), newest attempt first.

    ListInferenceExperiments filters by name and type, not by endpoint (API reference), and its summaries name
    no endpoint: the project's name prefix is what makes an experiment the production deployer's."""
    prefix = shadow_experiment_prefix(settings.project_name)
    contains = f"{prefix}{version}-" if version is not None else prefix
    request: dict[str, Any] = {"NameContains": contains, "Type": "ShadowMode"}
    found: list[dict[str, Any]] = []
    while True:
        page = sagemaker.list_inference_experiments(**request, MaxResults=100)
        for summary in page.get("InferenceExperiments", []):
            number = version_of_name(settings.project_name, summary["Name"])
            if number is not None and (version is None or number == version):
                found.append(summary)
        token = page.get("NextToken")
        if not token:
            break
        request["NextToken"] = token
    found.sort(key=lambda s: (version_of_name(settings.project_name, s["Name"]), _attempt_of(s["Name"])))
    return found[::-1]


def describe(sagemaker: Any, settings: DeploySettings, name: str) -> Experiment:
    raw = sagemaker.describe_inference_experiment(Name=name)
    schedule = raw.get("Schedule") or {}
    return Experiment(
        name=raw["Name"],
        status=raw.get("Status", ""),
        status_reason=raw.get("StatusReason", ""),
        endpoint_name=(raw.get("EndpointMetadata") or {}).get("EndpointName", settings.production_endpoint),
        start=schedule.get("StartTime"),
        end=schedule.get("EndTime"),
        capture_uri=(raw.get("DataStorageConfig") or {}).get("Destination", ""),
        version=version_of_name(settings.project_name, raw["Name"]) or 0,
    )


def current(sagemaker: Any, settings: DeploySettings, version: int) -> Experiment | None:
    """The newest experiment of ``version`` (its current or last test), or None when it never had one."""
    found = listed(sagemaker, settings, version)
    return describe(sagemaker, settings, found[0]["Name"]) if found else None


def running(sagemaker: Any, settings: DeploySettings) -> Experiment | None:
    """The experiment holding the production endpoint's shadow slot now, of whichever version."""
    for summary in listed(sagemaker, settings):
        if summary.get("Status") in ACTIVE:
            return describe(sagemaker, settings, summary["Name"])
    return None


def start(
    sagemaker: Any,
    settings: DeploySettings,
    *,
    version: int,
    production_model: str,
    shadow_model: str,
) -> Experiment:
    """Create (or find the earlier attempt's) experiment of ``version`` and start it.

    The experiment runs the shadow as the production deployer's model execution role, on the production
    variant's own instance type and count, for the gate's window, capturing both variants' requests and
    responses. ClientError propagates (the caller records a start that SageMaker refused).
    """
    previous = listed(sagemaker, settings, version)
    if previous and previous[0].get("Status") in ACTIVE:
        experiment = describe(sagemaker, settings, previous[0]["Name"])
    else:
        name = name_for(
            settings.project_name, version, _attempt_of(previous[0]["Name"]) + 1 if previous else 1
        )
        try:
            sagemaker.create_inference_experiment(
                **_create_request(settings, name, production_model, shadow_model)
            )
        except ClientError as error:
            # A concurrent delivery of the same promotion created it first: that one is ours to start.
            if error.response.get("Error", {}).get("Code") not in ("ResourceInUse", "ResourceInUseException"):
                raise
        experiment = describe(sagemaker, settings, name)
    if experiment.status == "Created":
        sagemaker.start_inference_experiment(Name=experiment.name)
        experiment = describe(sagemaker, settings, experiment.name)
    return experiment


def _create_request(
    settings: DeploySettings, name: str, production_model: str, shadow_model: str
) -> dict[str, Any]:
    gate = settings.shadow
    now = datetime.now(UTC)
    infrastructure = {
        "InfrastructureType": "RealTimeInference",
        "RealTimeInferenceConfig": {
            "InstanceType": settings.production_instance_type,
            "InstanceCount": settings.production_instance_count,
        },
    }
    request: dict[str, Any] = {
        "Name": name,
        "Type": "ShadowMode",
        "Description": f"shadow test of {shadow_model} against {production_model}",
        "RoleArn": settings.execution_role_arn,
        "EndpointName": settings.production_endpoint,
        "Schedule": {"StartTime": now, "EndTime": now + timedelta(minutes=gate.window_minutes)},
        "ModelVariants": [
            {"ModelName": production_model, "VariantName": VARIANT, "InfrastructureConfig": infrastructure},
            {
                "ModelName": shadow_model,
                "VariantName": SHADOW_VARIANT,
                "InfrastructureConfig": infrastructure,
            },
        ],
        "ShadowModeConfig": {
            "SourceModelVariantName": VARIANT,
            "ShadowModelVariants": [
                {"ShadowModelVariantName": SHADOW_VARIANT, "SamplingPercentage": gate.sampling_percent}
            ],
        },
    }
    if gate.capture_uri:
        storage: dict[str, Any] = {
            "Destination": f"{gate.capture_uri.rstrip('/')}/{name}",
            "ContentType": {"JsonContentTypes": ["application/json"]},
        }
        # No KmsKey: the artifact bucket's default encryption (the registry key) applies to what is stored.
        request["DataStorageConfig"] = storage
    return request


def stop_removing_shadow(
    sagemaker: Any, experiment: Experiment, reason: str, desired_state: str = "Completed"
) -> bool:
    """Stop an experiment, taking the shadow off the endpoint and keeping production as it is.

    ``desired_state``: ``Completed`` once judged, ``Cancelled`` when ended before its verdict (the two
    DesiredState values of StopInferenceExperiment). False (nothing done) when it is already stopping or
    finished: a retried or duplicated stop is a no-op.
    """
    if experiment.status in ("Stopping", *FINISHED):
        return False
    sagemaker.stop_inference_experiment(
        Name=experiment.name,
        ModelVariantActions={VARIANT: "Retain", SHADOW_VARIANT: "Remove"},
        DesiredState=desired_state,
        Reason=reason[:1024],
    )
    return True
