"""One MLflow run per local pipeline execution: its parameters, metrics and model, linked both ways with the
version it registers.

A pipeline with an ``MlflowConfig`` logs its executions to that MLflow (SageMaker API reference,
CreatePipeline/DescribePipelineExecution ``MLflowConfig``; ``pipelines.training.MlflowTracking``); the local
runner does the same when a tracking URI is given (``MLFLOW_TRACKING_URI``). The link both ways:

- the version's CustomerMetadataProperties carry the run, its experiment and the MLflow-format copy of the
  model, under the keys the MLflow registry store writes (``modelops.mlflow_registry.conversion``), so
  ``mlflow.pyfunc.load_model("models:/<group>/N")`` loads a pipeline-trained version like any other;
- the run carries the package's ARN and version as tags.

The tracking server down never half-registers: it is checked before the execution starts, and the run and
model are logged before CreateModelPackage, so a failure there fails the execution with no version. Only the
tags come after registration; if they fail, the version stands (it names its run) and the command says so.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from modelops.local.pipeline_errors import PipelineRunError
from modelops.mlflow_registry.conversion import (
    META_EXPERIMENT_ID,
    META_RUN_ID,
    META_SOURCE,
)

TAG_PACKAGE_ARN: Final = "modelops.model_package_arn"
TAG_PACKAGE_VERSION: Final = "modelops.model_package_version"
TAG_EXECUTION_ARN: Final = "modelops.pipeline_execution_arn"
MODEL_PATH: Final = "model"  # the run's artifact path of the MLflow-format model
# MLflow 3 saves scikit-learn models with skops and loads a forest only when told to trust its tree type.
SKOPS_TRUSTED_TYPES: Final = ["sklearn.tree._tree.Tree"]
HEALTH_TIMEOUT_S: Final = 5.0


@dataclass(frozen=True)
class MlflowOptions:
    tracking_uri: str
    experiment_name: str | None = None  # default: the definition's MlflowExperimentName, else the pipeline's


class ExecutionRun:
    """The MLflow run of one execution, created before its steps run."""

    def __init__(self, client: Any, run_id: str, experiment_id: str, tracking_uri: str) -> None:
        self.client, self.run_id, self.experiment_id, self.tracking_uri = (
            client,
            run_id,
            experiment_id,
            tracking_uri,
        )

    @classmethod
    def start(cls, options: MlflowOptions, experiment: str, execution_arn: str) -> ExecutionRun:
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient

        client = MlflowClient(tracking_uri=options.tracking_uri)
        try:
            found = client.get_experiment_by_name(experiment)
            experiment_id = found.experiment_id if found else client.create_experiment(experiment)
            run = client.create_run(
                experiment_id,
                run_name=execution_arn.rsplit("/", 1)[-1],
                tags={TAG_EXECUTION_ARN: execution_arn},
            )
        except MlflowException as error:
            raise PipelineRunError(_cannot(options.tracking_uri, error.message)) from None
        return cls(client, run.info.run_id, experiment_id, options.tracking_uri)

    def log(self, params: Mapping[str, Any], metrics: Mapping[str, float], model_dir: Path) -> dict[str, str]:
        """Log the parameters, metrics and an MLflow-format copy of the model; the version's properties."""
        from mlflow.entities import Metric, Param

        try:
            self.client.log_batch(
                self.run_id,
                metrics=[Metric(k, float(v), 0, 0) for k, v in metrics.items()],
                params=[Param(k, str(v)) for k, v in params.items()],
            )
            with tempfile.TemporaryDirectory(prefix="modelops-mlflow-") as tmp:
                _save_mlflow_model(model_dir, Path(tmp) / MODEL_PATH)
                self.client.log_artifacts(self.run_id, str(Path(tmp) / MODEL_PATH), MODEL_PATH)
            source = f"{self.client.get_run(self.run_id).info.artifact_uri}/{MODEL_PATH}"
        except Exception as error:  # MLflow raises its own, boto3's and OSError alike for one lost server
            raise PipelineRunError(_cannot(self.tracking_uri, _one_line(error))) from None
        return {META_RUN_ID: self.run_id, META_EXPERIMENT_ID: self.experiment_id, META_SOURCE: source}

    def link(self, package_arn: str) -> None:
        """Tag the run with the version it registered and end it."""
        try:
            self.client.set_tag(self.run_id, TAG_PACKAGE_ARN, package_arn)
            self.client.set_tag(self.run_id, TAG_PACKAGE_VERSION, package_arn.rsplit("/", 1)[-1])
            self.client.set_terminated(self.run_id, "FINISHED")
        except Exception as error:
            raise PipelineRunError(
                f"registered {package_arn}, but MLflow run {self.run_id} is not tagged with it: {_one_line(error)}"
            ) from None

    def fail(self) -> None:
        """End the run as FAILED, if the server still answers; the execution's own failure is what counts."""
        with contextlib.suppress(Exception):  # best effort: the server may be what failed
            self.client.set_terminated(self.run_id, "FAILED")


def check_reachable(tracking_uri: str) -> None:
    """An HTTP tracking server answers ``/health`` (MLflow's own health route) before anything starts, so a
    server that is down costs one line, not MLflow's retries with backoff."""
    if not tracking_uri.startswith(("http://", "https://")):
        return  # a database or file store is opened by the first call itself
    try:
        with urllib.request.urlopen(tracking_uri.rstrip("/") + "/health", timeout=HEALTH_TIMEOUT_S):
            return
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise PipelineRunError(_cannot(tracking_uri, str(reason))) from None


def _cannot(uri: str, why: str) -> str:
    return (
        f"cannot log to MLflow at {uri}: {why}; no version registered "
        "(unset MLFLOW_TRACKING_URI to run without MLflow)"
    )


def _one_line(error: BaseException) -> str:
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return " ".join(str(text).split())[:300]


def _save_mlflow_model(model_dir: Path, path: Path) -> None:
    """The trained forest (``model.joblib`` of the train step) as an MLflow scikit-learn model, with its
    requirements named from the installed versions (MLflow would otherwise infer them in a subprocess)."""
    import joblib
    import mlflow.sklearn

    requirements = [f"{d}=={importlib.metadata.version(d)}" for d in ("scikit-learn", "skops")]
    mlflow.sklearn.save_model(
        joblib.load(model_dir / "model.joblib"),
        str(path),
        pip_requirements=requirements,
        skops_trusted_types=SKOPS_TRUSTED_TYPES,
    )
