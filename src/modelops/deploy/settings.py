"""The deployer's configuration, read only from environment variables set by the DeploymentStack.

The variable names live here, and the CDK construct imports them, so the two cannot drift apart.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from modelops import lifecycle
from modelops.deploy.errors import SettingsError

ENV_PROJECT_NAME = "MODELOPS_PROJECT_NAME"
ENV_GROUP_NAME = "MODELOPS_MODEL_PACKAGE_GROUP"
ENV_TOPIC_ARN = "MODELOPS_TOPIC_ARN"
ENV_EXECUTION_ROLE_ARN = "MODELOPS_EXECUTION_ROLE_ARN"
ENV_STAGING_ENDPOINT = "MODELOPS_STAGING_ENDPOINT"
ENV_PRODUCTION_ENDPOINT = "MODELOPS_PRODUCTION_ENDPOINT"
ENV_STAGING_INSTANCE_TYPE = "MODELOPS_STAGING_INSTANCE_TYPE"
ENV_STAGING_SERVERLESS = "MODELOPS_STAGING_SERVERLESS"
ENV_STAGING_TRAFFIC_SHIFTING = "MODELOPS_STAGING_TRAFFIC_SHIFTING"
ENV_PRODUCTION_INSTANCE_TYPE = "MODELOPS_PRODUCTION_INSTANCE_TYPE"
ENV_PRODUCTION_INSTANCE_COUNT = "MODELOPS_PRODUCTION_INSTANCE_COUNT"
ENV_PRODUCTION_TRAFFIC_SHIFTING = "MODELOPS_PRODUCTION_TRAFFIC_SHIFTING"
ENV_ROLLBACK_ALARMS = "MODELOPS_ROLLBACK_ALARMS"  # comma-separated CloudWatch alarm names
ENV_DATA_CAPTURE_URI = "MODELOPS_DATA_CAPTURE_S3_URI"  # empty: no data capture
ENV_DATA_CAPTURE_KMS_KEY = "MODELOPS_DATA_CAPTURE_KMS_KEY_ARN"
ENV_LATENCY_BUDGET_MS = "MODELOPS_LATENCY_BUDGET_MS"
ENV_CHAMPION_TOLERANCE = "MODELOPS_CHAMPION_TOLERANCE"
ENV_SAMPLE_PAYLOAD_URI = "MODELOPS_SAMPLE_PAYLOAD_URI"  # fallback when a version carries none

TRAFFIC_SHIFTING_MODES = ("canary", "linear", "all-at-once")

_N = TypeVar("_N", int, float)


@dataclass(frozen=True)
class DeploySettings:
    """Everything the deployer needs to know about its stage; one instance per Lambda cold start."""

    project_name: str
    group_name: str
    topic_arn: str
    execution_role_arn: str
    staging_endpoint: str
    production_endpoint: str
    staging_instance_type: str = "ml.m5.large"
    staging_serverless: bool = False
    staging_traffic_shifting: str = "all-at-once"
    production_instance_type: str = "ml.m5.large"
    production_instance_count: int = 2
    production_traffic_shifting: str = "canary"
    rollback_alarms: tuple[str, ...] = ()
    data_capture_uri: str = ""
    data_capture_kms_key: str = ""
    latency_budget_ms: int = 500
    champion_tolerance: float = 0.05
    sample_payload_uri: str = ""

    def __post_init__(self) -> None:
        for name in ("staging_traffic_shifting", "production_traffic_shifting"):
            if getattr(self, name) not in TRAFFIC_SHIFTING_MODES:
                raise SettingsError(
                    f"invalid {name} {getattr(self, name)!r}: expected one of "
                    f"{', '.join(TRAFFIC_SHIFTING_MODES)}"
                )

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> DeploySettings:
        env = os.environ if environ is None else environ
        project = _required(env, ENV_PROJECT_NAME)
        return cls(
            project_name=project,
            group_name=_required(env, ENV_GROUP_NAME),
            topic_arn=_required(env, ENV_TOPIC_ARN),
            execution_role_arn=_required(env, ENV_EXECUTION_ROLE_ARN),
            staging_endpoint=env.get(ENV_STAGING_ENDPOINT) or lifecycle.endpoint_name(project, "staging"),
            production_endpoint=env.get(ENV_PRODUCTION_ENDPOINT)
            or lifecycle.endpoint_name(project, "production"),
            staging_instance_type=env.get(ENV_STAGING_INSTANCE_TYPE, "ml.m5.large"),
            staging_serverless=env.get(ENV_STAGING_SERVERLESS, "false").lower() == "true",
            staging_traffic_shifting=env.get(ENV_STAGING_TRAFFIC_SHIFTING, "all-at-once"),
            production_instance_type=env.get(ENV_PRODUCTION_INSTANCE_TYPE, "ml.m5.large"),
            production_instance_count=_number(env, ENV_PRODUCTION_INSTANCE_COUNT, "2", int),
            production_traffic_shifting=env.get(ENV_PRODUCTION_TRAFFIC_SHIFTING, "canary"),
            rollback_alarms=tuple(a for a in env.get(ENV_ROLLBACK_ALARMS, "").split(",") if a),
            data_capture_uri=env.get(ENV_DATA_CAPTURE_URI, ""),
            data_capture_kms_key=env.get(ENV_DATA_CAPTURE_KMS_KEY, ""),
            latency_budget_ms=_number(env, ENV_LATENCY_BUDGET_MS, "500", int),
            champion_tolerance=_number(env, ENV_CHAMPION_TOLERANCE, "0.05", float),
            sample_payload_uri=env.get(ENV_SAMPLE_PAYLOAD_URI, ""),
        )


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name, "")
    if not value:
        raise SettingsError(f"environment variable {name} is not set; the DeploymentStack sets it")
    return value


def _number(env: Mapping[str, str], name: str, default: str, kind: Callable[[str], _N]) -> _N:
    raw = env.get(name, default)
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"environment variable {name}={raw!r} is not a number") from None
