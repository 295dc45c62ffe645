"""What an MLflow registration carries into SageMaker: the run, the experiment and what reproduces them.

MLflow 3's ``log_model(..., registered_model_name=...)`` registers the source ``models:/<model_id>`` with no
run id, so the store resolves the logged model itself (as MLflow's SQL store does) through the tracking
server: its run, experiment and artifact location; the run's parameters, latest metrics, the commit
MLflow records (``mlflow.source.git.commit``) and the digest of a logged input dataset (the training one
when the run marks one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

MODEL_ID_SOURCE: Final = re.compile(r"^models:/(?P<model_id>m-[0-9a-f]+)/?$")
GIT_COMMIT_TAG: Final = "mlflow.source.git.commit"
DATASET_CONTEXT_TAG: Final = "mlflow.data.context"


class ProvenanceError(ValueError):
    """The source names no run or logged model the tracking server knows."""


@dataclass(frozen=True)
class Provenance:
    run_id: str
    experiment_id: str
    model_id: str | None
    artifact_location: str  # the MLflow model's own artifacts (what pyfunc.load_model downloads)
    params: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    code_commit: str | None = None
    data_version: str | None = None


def resolve(client: Any, source: str, run_id: str | None, model_id: str | None) -> Provenance:
    """The provenance of ``source`` (``models:/<model_id>``, ``runs:/...`` already resolved by MLflow, or
    an artifact URI with ``run_id``); ``client`` is an ``MlflowClient`` on the tracking server."""
    from mlflow.exceptions import MlflowException

    match = MODEL_ID_SOURCE.match(source or "")
    model_id = model_id or (match["model_id"] if match else None)
    artifact_location = source
    try:
        if model_id is not None:
            logged = client.get_logged_model(model_id)
            run_id = run_id or logged.source_run_id
            artifact_location = logged.artifact_location
        if not run_id:
            raise ProvenanceError(
                f"source {source!r} names no run: register a model logged in a run "
                "(mlflow.<flavor>.log_model inside mlflow.start_run)"
            )
        run = client.get_run(run_id)
    except MlflowException as error:
        raise ProvenanceError(f"the tracking server cannot resolve {source!r}: {error.message}") from None
    return Provenance(
        run_id=run.info.run_id,
        experiment_id=run.info.experiment_id,
        model_id=model_id,
        artifact_location=artifact_location,
        params=dict(run.data.params),
        metrics=dict(run.data.metrics),
        code_commit=run.data.tags.get(GIT_COMMIT_TAG) or None,
        data_version=_dataset_digest(run),
    )


def _dataset_digest(run: Any) -> str | None:
    inputs = getattr(run, "inputs", None)
    datasets = list(getattr(inputs, "dataset_inputs", None) or [])
    if not datasets:
        return None

    def is_training(dataset_input: Any) -> bool:
        return any(
            tag.key == DATASET_CONTEXT_TAG and tag.value == "training" for tag in dataset_input.tags or []
        )

    chosen = next((d for d in datasets if is_training(d)), datasets[0])
    digest = getattr(chosen.dataset, "digest", None)
    return str(digest) if digest else None
