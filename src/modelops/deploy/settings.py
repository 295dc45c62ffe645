"""The deployer's configuration, read only from the environment variables the DeploymentStack sets.

The variable names and the defaults are the contract's (``modelops.contract.names``/``settings``), which
the stack uses too, so the two cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from modelops.contract import names
from modelops.contract.settings import TRAFFIC_SHIFTING_MODES, SettingsError, StageSettings

_N = TypeVar("_N", int, float)
_DEFAULTS = StageSettings()


@dataclass(frozen=True)
class ShadowGate:
    """The shadow gate's settings (``StageSettings.shadow_*``): off unless the stage turns it on."""

    enabled: bool = False
    window_minutes: int = _DEFAULTS.shadow_window_minutes
    min_requests: int = _DEFAULTS.shadow_min_requests
    sampling_percent: int = _DEFAULTS.shadow_sampling_percent
    error_rate_tolerance: float = _DEFAULTS.shadow_error_rate_tolerance
    latency_tolerance: float = _DEFAULTS.shadow_latency_tolerance
    agreement_tolerance: float = _DEFAULTS.shadow_agreement_tolerance
    capture_uri: str = ""  # s3://bucket/prefix the experiments store their captures under

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> ShadowGate:
        d = _DEFAULTS
        return cls(
            enabled=env.get(names.ENV_SHADOW_GATE, "false").lower() == "true",
            window_minutes=_number(env, names.ENV_SHADOW_WINDOW_MINUTES, d.shadow_window_minutes, int),
            min_requests=_number(env, names.ENV_SHADOW_MIN_REQUESTS, d.shadow_min_requests, int),
            sampling_percent=_number(env, names.ENV_SHADOW_SAMPLING_PERCENT, d.shadow_sampling_percent, int),
            error_rate_tolerance=_number(
                env, names.ENV_SHADOW_ERROR_RATE_TOLERANCE, d.shadow_error_rate_tolerance, float
            ),
            latency_tolerance=_number(
                env, names.ENV_SHADOW_LATENCY_TOLERANCE, d.shadow_latency_tolerance, float
            ),
            agreement_tolerance=_number(
                env, names.ENV_SHADOW_AGREEMENT_TOLERANCE, d.shadow_agreement_tolerance, float
            ),
            capture_uri=env.get(names.ENV_SHADOW_CAPTURE_URI, ""),
        )


@dataclass(frozen=True)
class DeploySettings:
    """Everything the deployer needs to know about its stage; one instance per Lambda cold start."""

    project_name: str
    group_name: str
    topic_arn: str
    execution_role_arn: str
    staging_endpoint: str
    production_endpoint: str
    staging_instance_type: str = _DEFAULTS.staging_instance_type
    staging_serverless: bool = _DEFAULTS.staging_serverless
    staging_traffic_shifting: str = _DEFAULTS.staging_traffic_shifting
    production_instance_type: str = _DEFAULTS.production_instance_type
    production_instance_count: int = _DEFAULTS.production_instance_count
    production_traffic_shifting: str = _DEFAULTS.production_traffic_shifting
    rollback_alarms: tuple[str, ...] = ()
    data_capture_uri: str = ""
    data_capture_kms_key: str = ""
    latency_budget_ms: int = _DEFAULTS.verification_latency_budget_ms
    champion_tolerance: float = _DEFAULTS.champion_tolerance
    shadow: ShadowGate = field(default_factory=lambda: ShadowGate())

    def __post_init__(self) -> None:
        for name in ("staging_traffic_shifting", "production_traffic_shifting"):
            if getattr(self, name) not in TRAFFIC_SHIFTING_MODES:
                raise SettingsError(
                    f"invalid {name} {getattr(self, name)!r}: expected one of "
                    f"{', '.join(TRAFFIC_SHIFTING_MODES)}"
                )

    @classmethod
    def for_reading(cls, stage: StageSettings) -> DeploySettings:
        """What a reader of the deployer's state (the CLI) knows of a stage: its names and its shadow gate.
        No topic and no execution role: a reader publishes nothing and deploys nothing."""
        project = stage.project_name
        return cls(
            project_name=project,
            group_name=stage.model_package_group_name,
            topic_arn="",
            execution_role_arn="",
            staging_endpoint=names.endpoint_name(project, "staging"),
            production_endpoint=names.endpoint_name(project, "production"),
            shadow=ShadowGate(
                enabled=bool(stage.shadow_gate),
                window_minutes=stage.shadow_window_minutes,
                min_requests=stage.shadow_min_requests,
                sampling_percent=stage.shadow_sampling_percent,
                error_rate_tolerance=stage.shadow_error_rate_tolerance,
                latency_tolerance=stage.shadow_latency_tolerance,
                agreement_tolerance=stage.shadow_agreement_tolerance,
            ),
        )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DeploySettings:
        env = os.environ if environ is None else environ
        project = _required(env, names.ENV_PROJECT_NAME)
        d = _DEFAULTS
        return cls(
            project_name=project,
            group_name=_required(env, names.ENV_GROUP_NAME),
            topic_arn=_required(env, names.ENV_TOPIC_ARN),
            execution_role_arn=_required(env, names.ENV_EXECUTION_ROLE_ARN),
            staging_endpoint=env.get(names.ENV_STAGING_ENDPOINT) or names.endpoint_name(project, "staging"),
            production_endpoint=env.get(names.ENV_PRODUCTION_ENDPOINT)
            or names.endpoint_name(project, "production"),
            staging_instance_type=env.get(names.ENV_STAGING_INSTANCE_TYPE, d.staging_instance_type),
            staging_serverless=env.get(names.ENV_STAGING_SERVERLESS, "false").lower() == "true",
            staging_traffic_shifting=env.get(names.ENV_STAGING_TRAFFIC_SHIFTING, d.staging_traffic_shifting),
            production_instance_type=env.get(names.ENV_PRODUCTION_INSTANCE_TYPE, d.production_instance_type),
            production_instance_count=_number(
                env, names.ENV_PRODUCTION_INSTANCE_COUNT, d.production_instance_count, int
            ),
            production_traffic_shifting=env.get(
                names.ENV_PRODUCTION_TRAFFIC_SHIFTING, d.production_traffic_shifting
            ),
            rollback_alarms=tuple(a for a in env.get(names.ENV_ROLLBACK_ALARMS, "").split(",") if a),
            data_capture_uri=env.get(names.ENV_DATA_CAPTURE_URI, ""),
            data_capture_kms_key=env.get(names.ENV_DATA_CAPTURE_KMS_KEY, ""),
            latency_budget_ms=_number(
                env, names.ENV_LATENCY_BUDGET_MS, d.verification_latency_budget_ms, int
            ),
            champion_tolerance=_number(env, names.ENV_CHAMPION_TOLERANCE, d.champion_tolerance, float),
            shadow=ShadowGate.from_environment(env),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise SettingsError(f"environment variable {name} is not set; the DeploymentStack sets it")
    return value


def _number(env: Mapping[str, str], name: str, default: _N, kind: Callable[[str], _N]) -> _N:
    raw = env.get(name)
    if raw is None:
        return default
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"environment variable {name}={raw!r} is not a number") from None
