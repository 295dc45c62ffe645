"""Every name derived from a project, defined once: stacks, pipeline, endpoints, alarms, steps, handlers.

The CDK app creates resources under these names, the deployer and the CLI find them by the same names,
and the embedded AWS provisions them from the templates, so a name built in two places cannot drift.
The environment variables through which the deployment stack configures the deployer Lambdas are here too.
"""

from __future__ import annotations

from typing import Final

DEFAULT_PROJECT_NAME: Final = "modelops"
DEFAULT_GROUP_NAME: Final = "diabetes-progression"

# The context key of cdk.json that holds the named stages (``modelops.contract.settings``).
STAGES_CONTEXT_KEY: Final = "modelops:stages"

ENVIRONMENTS: Final = ("staging", "production")
STACK_ROLES: Final = ("registry", "pipeline", "deployment")
VARIANT: Final = "AllTraffic"  # the one production variant of every endpoint config the deployer makes
DATA_CAPTURE_PREFIX: Final = "data-capture"  # artifact bucket prefix of production data capture
SHADOW_CAPTURE_PREFIX: Final = "shadow-capture"  # artifact bucket prefix of the shadow tests' captures
SHADOW_VARIANT: Final = "Shadow"  # the shadow variant of every inference experiment the deployer starts


def shadow_experiment_prefix(project_name: str) -> str:
    """``<project>-shadow-v``: the prefix of every inference experiment the production deployer starts (the
    version and the attempt follow: ``<project>-shadow-v7-1``); IAM scopes the experiment actions to it."""
    return f"{project_name}-shadow-v"


def stack_name(project_name: str, role: str) -> str:
    """``<project>-registry``, ``<project>-pipeline`` or ``<project>-deployment``."""
    if role not in STACK_ROLES:
        raise ValueError(f"stack role must be one of {', '.join(STACK_ROLES)}; got {role!r}")
    return f"{project_name}-{role}"


def pipeline_name(project_name: str) -> str:
    """The SageMaker pipeline that trains and registers the project's versions."""
    return f"{project_name}-training"


def pipeline_role_name(project_name: str) -> str:
    """The pipeline's execution role, named so the registry stack's bucket policy can name it without a
    cross-stack reference (the pipeline stack already depends on the registry stack)."""
    return f"{pipeline_name(project_name)}-pipeline"


def local_pipeline_name(project_name: str) -> str:
    """The pipeline a local run records its execution under when ``pipeline_name`` is not deployed."""
    return f"{pipeline_name(project_name)}-local"


def endpoint_name(project_name: str, environment: str) -> str:
    """The endpoint that serves ``environment`` ("staging" or "production") for a project."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {', '.join(ENVIRONMENTS)}; got {environment!r}")
    return f"{project_name}-{environment}"


def rollback_alarm_names(endpoint: str) -> tuple[str, str]:
    """The errors and latency alarms of an endpoint, by name: UpdateEndpoint's auto-rollback names them."""
    return (f"{endpoint}-5xx-errors", f"{endpoint}-model-latency")


# Model artifacts live under each pipeline execution's ``model/`` output (``pipelines/<pipeline>/<execution>/
# model/...``); an S3 ARN pattern's ``*`` spans ``/``. Datasets, samples and evaluations are elsewhere.
MODEL_ARTIFACT_KEYS: Final = "pipelines/*/model/*"


def resource_prefix(project_name: str, environment: str) -> str:
    """The prefix of every model and endpoint config the deployer creates for one endpoint stage.

    ``<project>-stag-v`` / ``<project>-prod-v``: the stage separates what each deployer role may create and
    tag, and the ``-v`` (the version follows) keeps one project's pattern off another project whose name
    merely starts with this one's (``modelops-prod-*`` would also cover project ``modelops-prod``'s names).
    """
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {', '.join(ENVIRONMENTS)}; got {environment!r}")
    return f"{project_name}-{environment[:4]}-v"


def audit_log_group_name(group_name: str) -> str:
    """The append-only log of every transition of ``group_name``'s versions and of what its endpoints serve."""
    return f"/modelops/audit/{group_name}"


def audit_dead_letter_alarm_name(project_name: str) -> str:
    """The alarm on the audit target's dead-letter queue (under the deployer's alarm pattern: the topic
    accepts the project's alarms by name)."""
    return f"{project_name}-deployer-audit-trail-dead-letters"


def dead_letter_alarm_name(project_name: str, handler: str) -> str:
    """The alarm on one deployer handler's dead-letter queue."""
    return f"{project_name}-deployer-{handler.replace('_', '-')}-dead-letters"


def alarm_name_patterns(project_name: str) -> tuple[str, str]:
    """Names of every alarm that notifies the project's topic: the production endpoint's rollback alarms
    (``<endpoint>-5xx-errors``...) and the deployer's dead-letter alarms."""
    return (f"{endpoint_name(project_name, 'production')}-*", f"{project_name}-deployer-*")


# Step names of the training pipeline; a local run records its execution's steps under the same names.
STEP_PREPROCESS: Final = "Preprocess"
STEP_TRAIN: Final = "Train"
STEP_EVALUATE: Final = "Evaluate"
STEP_GATE: Final = "Gate"
STEP_REGISTER: Final = "Register"
STEP_FAIL: Final = "MetricAboveBar"

# The deployer Lambdas: one handler module per event type under HANDLER_PACKAGE, each exporting `handler`.
HANDLER_PACKAGE: Final = "modelops.deploy.handlers"
HANDLERS: Final = (
    "deploy_staging",
    "verify_staging",
    "deploy_production",
    "finalize_production",
    "notify_rejected",
    "evaluate_shadow",
)
DEPLOYER_SERVICE: Final = "modelops-deployer"  # Powertools' service name in every deployer log line


def handler_path(handler: str) -> str:
    """The Lambda ``Handler`` setting of a deployer handler: ``modelops.deploy.handlers.<name>.handler``."""
    if handler not in HANDLERS:
        raise ValueError(f"unknown deployer handler {handler!r}; known: {', '.join(HANDLERS)}")
    return f"{HANDLER_PACKAGE}.{handler}.handler"


# Environment variables: how the deployment stack configures the deployer (and the CLI finds the group).
ENV_PROJECT_NAME: Final = "MODELOPS_PROJECT_NAME"
ENV_GROUP_NAME: Final = "MODELOPS_MODEL_PACKAGE_GROUP"
ENV_TOPIC_ARN: Final = "MODELOPS_TOPIC_ARN"
ENV_EXECUTION_ROLE_ARN: Final = "MODELOPS_EXECUTION_ROLE_ARN"
ENV_STAGING_ENDPOINT: Final = "MODELOPS_STAGING_ENDPOINT"
ENV_PRODUCTION_ENDPOINT: Final = "MODELOPS_PRODUCTION_ENDPOINT"
ENV_STAGING_INSTANCE_TYPE: Final = "MODELOPS_STAGING_INSTANCE_TYPE"
ENV_STAGING_SERVERLESS: Final = "MODELOPS_STAGING_SERVERLESS"
ENV_STAGING_TRAFFIC_SHIFTING: Final = "MODELOPS_STAGING_TRAFFIC_SHIFTING"
ENV_PRODUCTION_INSTANCE_TYPE: Final = "MODELOPS_PRODUCTION_INSTANCE_TYPE"
ENV_PRODUCTION_INSTANCE_COUNT: Final = "MODELOPS_PRODUCTION_INSTANCE_COUNT"
ENV_PRODUCTION_TRAFFIC_SHIFTING: Final = "MODELOPS_PRODUCTION_TRAFFIC_SHIFTING"
ENV_ROLLBACK_ALARMS: Final = "MODELOPS_ROLLBACK_ALARMS"  # comma-separated CloudWatch alarm names
ENV_DATA_CAPTURE_URI: Final = "MODELOPS_DATA_CAPTURE_S3_URI"  # empty: no data capture
ENV_DATA_CAPTURE_KMS_KEY: Final = "MODELOPS_DATA_CAPTURE_KMS_KEY_ARN"
ENV_LATENCY_BUDGET_MS: Final = "MODELOPS_LATENCY_BUDGET_MS"
ENV_CHAMPION_TOLERANCE: Final = "MODELOPS_CHAMPION_TOLERANCE"
# The shadow gate (``StageSettings.shadow_*``): "true" or "false", then the window and the tolerances.
ENV_SHADOW_GATE: Final = "MODELOPS_SHADOW_GATE"
ENV_SHADOW_WINDOW_MINUTES: Final = "MODELOPS_SHADOW_WINDOW_MINUTES"
ENV_SHADOW_MIN_REQUESTS: Final = "MODELOPS_SHADOW_MIN_REQUESTS"
ENV_SHADOW_SAMPLING_PERCENT: Final = "MODELOPS_SHADOW_SAMPLING_PERCENT"
ENV_SHADOW_ERROR_RATE_TOLERANCE: Final = "MODELOPS_SHADOW_ERROR_RATE_TOLERANCE"
ENV_SHADOW_LATENCY_TOLERANCE: Final = "MODELOPS_SHADOW_LATENCY_TOLERANCE"
ENV_SHADOW_AGREEMENT_TOLERANCE: Final = "MODELOPS_SHADOW_AGREEMENT_TOLERANCE"
ENV_SHADOW_CAPTURE_URI: Final = "MODELOPS_SHADOW_CAPTURE_S3_URI"  # where experiments store their captures
# The CLI's own: the project whose endpoints `modelops status` reads (the deployer's is ENV_PROJECT_NAME),
# and the artifact bucket of `modelops local run-pipeline`.
ENV_CLI_PROJECT: Final = "MODELOPS_PROJECT"
ENV_ARTIFACT_BUCKET: Final = "MODELOPS_ARTIFACT_BUCKET"
