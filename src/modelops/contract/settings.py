"""Typed, frozen settings of a stage, their validation, and the named stages a platform team edits.

Stage differences are keyword arguments of one dataclass. The named stages (``default``, ``dev``,
``prod``, ...) are data, not code: they live in ``cdk.json``'s context under ``modelops:stages`` (the CDK
convention), each a map of the settings it changes from the defaults, and are read alike by ``infra/``
(``cdk synth -c stage=NAME``) and by the CLI (``modelops local run-pipeline --stage NAME``). ``default``
needs no entry. Every value is validated here, before any construct exists or any call is made, so a bad
setting stops with one line naming the setting and what it accepts.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from modelops.contract import tracking
from modelops.contract.names import DEFAULT_GROUP_NAME, DEFAULT_PROJECT_NAME, STAGES_CONTEXT_KEY

TrafficShifting = Literal["canary", "linear", "all-at-once"]
TRAFFIC_SHIFTING_MODES: Final[tuple[str, ...]] = ("canary", "linear", "all-at-once")

GROUP_NAME_PATTERN: Final = re.compile(
    r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
)  # SageMaker's ModelPackageGroupName
INSTANCE_TYPE_PATTERN: Final = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
# SageMaker lower-cases a group's name in the ARNs of the group and its versions (model-package/<name>/<n>),
# which are what IAM matches (service authorization reference, SageMaker's model-package ARN format; the SageMaker
# API permissions reference): statements built from a mixed-case name would match nothing, so a stage refuses it.
_UPPER_CASE = re.compile(r"[A-Z]")
# The deployer's name patterns are <project>-stag-v* and <project>-prod-v* (names.resource_prefix); a project
# name holding either would put its own names under another project's pattern.
_RESERVED_IN_PROJECT = re.compile(r"-(stag|prod)-v")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SM_PROJECT_ID = re.compile(r"^p-[a-z0-9]{12}$")
_SM_PROJECT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")
MLFLOW_SIZES: Final = ("Small", "Medium", "Large")
_INSTANCE_SETTINGS = (
    "training_instance_type",
    "processing_instance_type",
    "staging_instance_type",
    "production_instance_type",
)


# PutRetentionPolicy's retentionInDays accepts only these values (CloudWatch Logs API reference,
# PutRetentionPolicy; AWS::Logs::LogGroup RetentionInDays lists the same).
LOG_RETENTION_DAYS: Final = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


class SettingsError(ValueError):
    """A stage setting has a value SageMaker, IAM or this project would reject, or is missing."""


@dataclass(frozen=True)
class StageSettings:
    """Everything that differs between stages. Defaults describe the single-account setup."""

    stage: str = "default"
    project_name: str = DEFAULT_PROJECT_NAME
    model_package_group_name: str = DEFAULT_GROUP_NAME
    training_instance_type: str = "ml.m5.large"
    processing_instance_type: str = "ml.m5.large"
    staging_instance_type: str = "ml.m5.large"
    production_instance_type: str = "ml.m5.large"
    production_instance_count: int = 2
    notification_email: str | None = None
    reader_account_ids: tuple[str, ...] = ()
    sagemaker_project_name: str | None = None
    sagemaker_project_id: str | None = None
    # Deployment behaviour (used by the deployment stack).
    staging_traffic_shifting: TrafficShifting = "all-at-once"
    production_traffic_shifting: TrafficShifting = "canary"
    staging_serverless: bool = False
    production_data_capture: bool = False
    verification_latency_budget_ms: int = 500
    champion_tolerance: float = 0.05  # a challenger's primary metric may be worse by at most this fraction
    metric_threshold: float = (
        70.0  # the training pipeline's gate on the primary metric (RMSE; lower is better)
    )
    # How long the audit log keeps each transition (CloudWatch Logs accepts only these values).
    audit_log_retention_days: int = 365
    # The shadow gate: a promoted version runs as a shadow variant of production (an inference experiment)
    # and takes over only if, on the same requests, it errs no more, is no slower and agrees with production.
    # On for the named stage ``prod`` (``__post_init__``), off otherwise unless a stage sets it.
    shadow_gate: bool | None = None
    shadow_window_minutes: int = 60  # the experiment's Schedule: judged when it ends ...
    shadow_min_requests: int = 200  # ... or once the shadow has answered this many requests
    shadow_sampling_percent: int = 100  # ShadowModelVariants' SamplingPercentage
    shadow_error_rate_tolerance: float = 0.01  # shadow error rate may exceed production's by this much
    shadow_latency_tolerance: float = (
        0.5  # shadow p50/p99 ModelLatency may exceed production's by this fraction
    )
    shadow_agreement_tolerance: float = (
        0.25  # mean |shadow - production| over production's standard deviation
    )
    # SageMaker's managed MLflow tracking server in the registry stack, for tracking only (its own registry
    # and automatic registration stay off): billed per hour while it exists, by size, so off unless a stage
    # turns it on.
    managed_mlflow: bool = False
    managed_mlflow_size: str = "Small"  # TrackingServerSize: Small, Medium or Large
    # Where the training pipeline's executions log to MLflow: managed, off, or an MLflow resource ARN; unset,
    # the managed server when the stage runs one (``contract.tracking``; the target is ``pipeline_mlflow_target``).
    pipeline_mlflow: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.shadow_gate is None:
            object.__setattr__(self, "shadow_gate", self.stage == "prod")
        self._check_names()
        self._check_capacity()
        self._check_sagemaker_project()
        self._check_deployment()
        self._check_shadow_gate()
        self._check_managed_mlflow()

    def _check_names(self) -> None:
        _check(
            _PROJECT_NAME.match(self.project_name),
            "project_name",
            self.project_name,
            "3-32 lower-case letters, digits and hyphens, starting with a letter",
        )
        _check(
            not _RESERVED_IN_PROJECT.search(self.project_name),
            "project_name",
            self.project_name,
            "a name without '-stag-v' or '-prod-v' (the deployer's model and endpoint-config name patterns)",
        )
        _check(
            GROUP_NAME_PATTERN.match(self.model_package_group_name)
            and not _UPPER_CASE.search(self.model_package_group_name),
            "model_package_group_name",
            self.model_package_group_name,
            "1-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit "
            "(SageMaker lower-cases the name in ARNs, so IAM policies could not match upper-case letters)",
        )
        if self.notification_email is not None:
            _check(
                _EMAIL.match(self.notification_email),
                "notification_email",
                self.notification_email,
                "an e-mail address such as ml-approvers@example.com",
            )
        for account in self.reader_account_ids:
            _check(_ACCOUNT_ID.match(account), "reader_account_ids", account, "12-digit AWS account IDs")

    def _check_capacity(self) -> None:
        for name in _INSTANCE_SETTINGS:
            value = getattr(self, name)
            _check(
                INSTANCE_TYPE_PATTERN.match(value),
                name,
                value,
                "a SageMaker instance type such as ml.m5.large",
            )
        _check(
            1 <= self.production_instance_count <= 20,
            "production_instance_count",
            str(self.production_instance_count),
            "an integer from 1 to 20",
        )

    def _check_sagemaker_project(self) -> None:
        if (self.sagemaker_project_name is None) != (self.sagemaker_project_id is None):
            raise SettingsError(
                "sagemaker_project_name and sagemaker_project_id must be set together "
                "(Studio lists resources under a project only with both tags)"
            )
        if self.sagemaker_project_name is not None:
            _check(
                _SM_PROJECT_NAME.match(self.sagemaker_project_name),
                "sagemaker_project_name",
                self.sagemaker_project_name,
                "1-32 letters, digits and hyphens",
            )
        if self.sagemaker_project_id is not None:
            _check(
                _SM_PROJECT_ID.match(self.sagemaker_project_id),
                "sagemaker_project_id",
                self.sagemaker_project_id,
                "'p-' followed by 12 lower-case letters or digits",
            )

    def _check_deployment(self) -> None:
        for name in ("staging_traffic_shifting", "production_traffic_shifting"):
            value = getattr(self, name)
            _check(value in TRAFFIC_SHIFTING_MODES, name, value, ", ".join(TRAFFIC_SHIFTING_MODES))
        _check(
            10 <= self.verification_latency_budget_ms <= 60_000,
            "verification_latency_budget_ms",
            str(self.verification_latency_budget_ms),
            "milliseconds from 10 to 60000",
        )
        _check(
            0.0 <= self.champion_tolerance <= 1.0,
            "champion_tolerance",
            str(self.champion_tolerance),
            "a fraction from 0.0 to 1.0",
        )
        _check(self.metric_threshold > 0, "metric_threshold", str(self.metric_threshold), "a positive number")
        _check(
            self.audit_log_retention_days in LOG_RETENTION_DAYS,
            "audit_log_retention_days",
            str(self.audit_log_retention_days),
            "one of CloudWatch Logs' retention periods: " + ", ".join(map(str, LOG_RETENTION_DAYS)),
        )

    def _check_shadow_gate(self) -> None:
        # An inference experiment runs at most 30 days (CreateInferenceExperiment, Schedule, in the API
        # reference); SamplingPercentage is 0-100 there, and a 0% shadow would never see a request.
        _check(
            1 <= self.shadow_window_minutes <= 30 * 24 * 60,
            "shadow_window_minutes",
            str(self.shadow_window_minutes),
            "minutes from 1 to 43200 (an inference experiment runs at most 30 days)",
        )
        _check(
            1 <= self.shadow_min_requests <= 1_000_000,
            "shadow_min_requests",
            str(self.shadow_min_requests),
            "an integer from 1 to 1000000",
        )
        _check(
            1 <= self.shadow_sampling_percent <= 100,
            "shadow_sampling_percent",
            str(self.shadow_sampling_percent),
            "a percentage from 1 to 100",
        )
        for name in ("shadow_error_rate_tolerance", "shadow_latency_tolerance", "shadow_agreement_tolerance"):
            value = getattr(self, name)
            _check(0.0 <= value <= 10.0, name, str(value), "a number from 0.0 to 10.0")

    def _check_managed_mlflow(self) -> None:
        # TrackingServerSize's allowed values (AWS::SageMaker::MlflowTrackingServer, CloudFormation
        # template reference; CreateMlflowTrackingServer in the SageMaker API reference lists the same).
        _check(
            self.managed_mlflow_size in MLFLOW_SIZES,
            "managed_mlflow_size",
            self.managed_mlflow_size,
            ", ".join(MLFLOW_SIZES),
        )
        _check(
            isinstance(self.managed_mlflow, bool), "managed_mlflow", str(self.managed_mlflow), "true or false"
        )
        refused = tracking.refusal(self.pipeline_mlflow, self.managed_mlflow)
        if refused is not None:
            raise SettingsError(f"invalid pipeline_mlflow {self.pipeline_mlflow!r}: {refused}")

    @property
    def pipeline_mlflow_target(self) -> str | None:
        """``tracking.MANAGED``, the ARN of the MLflow resource the pipeline logs to, or None (it does not)."""
        return tracking.pipeline_target(self.pipeline_mlflow, self.managed_mlflow)

    @property
    def sagemaker_project_tags(self) -> dict[str, str]:
        """The tags that make Studio list a resource under the configured SageMaker project."""
        if self.sagemaker_project_name is None or self.sagemaker_project_id is None:
            return {}
        return {
            "sagemaker:project-name": self.sagemaker_project_name,
            "sagemaker:project-id": self.sagemaker_project_id,
        }

    @property
    def resource_tags(self) -> dict[str, str]:
        """Tags applied to every taggable resource of every stack."""
        return {"modelops:project": self.project_name, "modelops:stage": self.stage, **self.tags}


def _check(ok: object, setting: str, value: str, allowed: str) -> None:
    if not ok:
        raise SettingsError(f"invalid {setting} {value!r}: expected {allowed}")


_FIELDS = {f.name: f for f in dataclasses.fields(StageSettings)}
# Settings a user may override one by one (``-c name=value``) on top of the chosen stage.
OVERRIDABLE: Final = tuple(name for name in _FIELDS if name not in ("stage", "tags"))


def named_stages(stages: Mapping[str, Any] | None) -> dict[str, StageSettings]:
    """The named stages of a ``modelops:stages`` context value; ``default`` is there even when absent."""
    if stages is not None and not isinstance(stages, Mapping):
        raise SettingsError(f"{STAGES_CONTEXT_KEY} must map stage names to settings; got {stages!r}")
    named = {"default": StageSettings()}
    for name, values in (stages or {}).items():
        if not isinstance(values, Mapping):
            raise SettingsError(f"stage {name!r} in {STAGES_CONTEXT_KEY} must be a map of settings")
        named[name] = _with(StageSettings(stage=name), values, f"stage {name!r}")
    _refuse_shared_names(named)
    return named


def _refuse_shared_names(named: Mapping[str, StageSettings]) -> None:
    """Stages may be deployed into one account: two sharing a project (stacks, endpoints, models, alarms,
    pipeline) or a group would take over each other's resources, so the stages table is refused."""
    for setting in ("project_name", "model_package_group_name"):
        seen: dict[str, str] = {}
        for name, stage in named.items():
            value = getattr(stage, setting)
            if value in seen:
                raise SettingsError(
                    f"invalid {setting} {value!r} of stage {name!r}: stage {seen[value]!r} has it too; every "
                    f"stage needs its own (stages may share an account)"
                )
            seen[value] = name


def settings_for(stage: str | None, stages: Mapping[str, Any] | None = None) -> StageSettings:
    """The settings of a named stage of ``stages`` (a ``modelops:stages`` value); ``None`` is ``default``."""
    named = named_stages(stages)
    name = stage or "default"
    if name not in named:
        raise SettingsError(f"invalid stage {name!r}: expected one of {', '.join(sorted(named))}")
    return named[name]


def settings_from_context(context: Mapping[str, Any]) -> StageSettings:
    """The settings a CDK context selects: ``stage`` among ``modelops:stages``, then per-setting overrides."""
    settings = settings_for(context.get("stage"), context.get(STAGES_CONTEXT_KEY))
    overrides = {name: context[name] for name in OVERRIDABLE if context.get(name) is not None}
    return _with(settings, overrides, "context") if overrides else settings


def read_stages(cdk_json: Path) -> dict[str, Any] | None:
    """The ``modelops:stages`` context of a ``cdk.json``; None when the file is absent."""
    if not cdk_json.is_file():
        return None
    try:
        context = json.loads(cdk_json.read_text()).get("context", {})
    except (ValueError, AttributeError) as error:
        raise SettingsError(f"{cdk_json} is not a cdk.json ({error})") from None
    stages = context.get(STAGES_CONTEXT_KEY)
    return dict(stages) if isinstance(stages, Mapping) else stages


def _with(settings: StageSettings, values: Mapping[str, Any], where: str) -> StageSettings:
    unknown = sorted(set(values) - set(OVERRIDABLE) - {"tags"})
    if unknown:
        raise SettingsError(
            f"{where}: unknown settings {', '.join(unknown)}; known: {', '.join(OVERRIDABLE)}"
        )
    changes = {name: _coerce(name, _FIELDS[name].type, raw) for name, raw in values.items()}
    return dataclasses.replace(settings, **changes)


def _coerce(name: str, annotation: Any, raw: Any) -> Any:
    """A context value as the setting's type: context from ``-c`` is text, from cdk.json it is JSON."""
    text = str(annotation)
    if isinstance(raw, list) and "tuple" in text:
        return tuple(str(item) for item in raw)
    if not isinstance(raw, str):
        return raw
    if "tuple" in text:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if text.startswith(("int", "float")):
        kind, what = (int, "an integer") if text.startswith("int") else (float, "a number")
        try:
            return kind(raw)
        except ValueError:
            raise SettingsError(f"invalid {name} {raw!r}: expected {what}") from None
    if text.startswith("bool"):
        if raw.lower() not in ("true", "false"):
            raise SettingsError(f"invalid {name} {raw!r}: expected true or false")
        return raw.lower() == "true"
    return raw
