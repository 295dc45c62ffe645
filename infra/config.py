"""Typed, frozen settings for each stage, chosen with ``cdk synth -c stage=NAME``.

Stage differences are keyword arguments of one dataclass, not files read at import. ``default`` is a
single-account setup that needs no context at all. Every value is validated here, before any construct
exists, so a bad setting stops synth with one line naming the setting and what it accepts.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

TrafficShifting = Literal["canary", "linear", "all-at-once"]
TRAFFIC_SHIFTING_MODES: tuple[str, ...] = ("canary", "linear", "all-at-once")

_GROUP_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")  # SageMaker's ModelPackageGroupName rule
_PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,30}[a-z0-9]$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SM_PROJECT_ID = re.compile(r"^p-[a-z0-9]{12}$")
_SM_PROJECT_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")


class SettingsError(ValueError):
    """A stage setting has a value SageMaker, IAM or this project would reject."""


@dataclass(frozen=True)
class StageSettings:
    """Everything that differs between stages. Defaults describe the single-account setup."""

    stage: str = "default"
    project_name: str = "modelops"
    model_package_group_name: str = "diabetes-progression"
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
    tags: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check(
            _PROJECT_NAME.match(self.project_name),
            "project_name",
            self.project_name,
            "3-32 lower-case letters, digits and hyphens, starting with a letter",
        )
        _check(
            _GROUP_NAME.match(self.model_package_group_name),
            "model_package_group_name",
            self.model_package_group_name,
            "1-63 letters, digits and hyphens, starting and ending with a letter or digit (SageMaker's rule)",
        )
        for name in (
            "training_instance_type",
            "processing_instance_type",
            "staging_instance_type",
            "production_instance_type",
        ):
            value = getattr(self, name)
            _check(_INSTANCE_TYPE.match(value), name, value, "a SageMaker instance type such as ml.m5.large")
        _check(
            1 <= self.production_instance_count <= 20,
            "production_instance_count",
            str(self.production_instance_count),
            "an integer from 1 to 20",
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


_DEFAULT = StageSettings()

# Named stages. "default" is one account for everything; the others show the typical split.
STAGES: dict[str, StageSettings] = {
    "default": _DEFAULT,
    "dev": replace(
        _DEFAULT,
        stage="dev",
        project_name="modelops-dev",
        production_instance_count=1,
        staging_serverless=True,
    ),
    "prod": replace(
        _DEFAULT,
        stage="prod",
        project_name="modelops-prod",
        production_data_capture=True,
        production_traffic_shifting="canary",
    ),
}


def settings_for(stage: str | None) -> StageSettings:
    """The settings of a named stage; ``None`` (no ``-c stage=``) means ``default``."""
    name = stage or "default"
    if name not in STAGES:
        raise SettingsError(f"invalid stage {name!r}: expected one of {', '.join(sorted(STAGES))}")
    return STAGES[name]


# Settings a user may override one by one with ``-c name=value`` on top of the chosen stage.
OVERRIDABLE = {f.name: f for f in dataclasses.fields(StageSettings) if f.name not in ("stage", "tags")}


def settings_from_context(context: Mapping[str, Any]) -> StageSettings:
    """The chosen stage's settings with any per-setting context overrides applied (and validated)."""
    settings = settings_for(context.get("stage"))
    overrides: dict[str, Any] = {}
    for name, setting in OVERRIDABLE.items():
        if name in context:
            overrides[name] = _coerce(name, setting.type, context[name])
    return dataclasses.replace(settings, **overrides) if overrides else settings


def _coerce(name: str, annotation: Any, raw: Any) -> Any:
    text = str(annotation)
    if isinstance(raw, str):
        if "tuple" in text:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if text.startswith("int"):
            try:
                return int(raw)
            except ValueError:
                raise SettingsError(f"invalid {name} {raw!r}: expected an integer") from None
        if text.startswith("float"):
            try:
                return float(raw)
            except ValueError:
                raise SettingsError(f"invalid {name} {raw!r}: expected a number") from None
        if text.startswith("bool"):
            if raw.lower() not in ("true", "false"):
                raise SettingsError(f"invalid {name} {raw!r}: expected true or false")
            return raw.lower() == "true"
    if isinstance(raw, list) and "tuple" in text:
        return tuple(str(item) for item in raw)
    return raw
