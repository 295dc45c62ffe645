"""Where the training pipeline logs to MLflow: the ``pipeline_mlflow`` stage setting's values.

The pipeline's MLflow configuration (a definition's ``MlflowConfig``: ``MlflowResourceArn``,
``MlflowExperimentName``; SageMaker API reference, CreatePipeline / DescribePipelineExecution) names a
SageMaker MLflow tracking server or MLflow App by ARN. The setting says which: ``managed`` (the stage's own
managed MLflow, ``managed_mlflow``), ``off``, or the ARN of another server or app. Unset, it follows
``managed_mlflow``: a stage that runs the managed server logs its pipeline's executions to it.
"""

from __future__ import annotations

import re
from typing import Final

MANAGED: Final = "managed"
OFF: Final = "off"
# A managed MLflow tracking server or MLflow App (CreateMlflowTrackingServer / CreateMlflowApp return these).
MLFLOW_RESOURCE_ARN: Final = re.compile(
    r"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:mlflow-(tracking-server|app)/[\w-]+$"
)
ALLOWED: Final = (
    f"{MANAGED!r} (the stage's managed MLflow), {OFF!r}, or the ARN of a SageMaker mlflow-tracking-server "
    "or mlflow-app"
)


def pipeline_target(setting: str | None, managed_mlflow: bool) -> str | None:
    """What the pipeline logs to: ``MANAGED``, an MLflow resource ARN, or None (it does not log)."""
    if setting is None:
        return MANAGED if managed_mlflow else None
    return None if setting == OFF else setting


def refusal(setting: str | None, managed_mlflow: bool) -> str | None:
    """Why ``setting`` is not a value of ``pipeline_mlflow`` (one line), or None when it is one."""
    if not isinstance(setting, str | None):
        return f"expected {ALLOWED}"
    if setting is None or setting == OFF or MLFLOW_RESOURCE_ARN.match(setting):
        return None
    if setting == MANAGED:
        return None if managed_mlflow else "'managed' needs managed_mlflow=true (the stage runs no server)"
    return f"expected {ALLOWED}"
