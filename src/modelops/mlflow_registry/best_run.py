"""Best-run selection: the run of an experiment with the lowest (or highest) metric, registered as a version.

``modelops register --experiment NAME --best rmse`` (``--max`` for the highest; ``--run RUN_ID`` for one run)
reads the tracking server with MLflow's client and registers the chosen run's logged model through the
SageMaker-backed store, exactly as ``log_model(..., registered_model_name=...)`` would: one registration
path whichever front door is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from modelops.mlflow_registry.registry_uri import registry_uri
from modelops.registry import RegistryError


class RunSelectionError(RegistryError):
    """No run qualifies, the run has no model, or MLflow refused the registration (the message says which)."""


@dataclass(frozen=True)
class Chosen:
    run_id: str
    model_id: str
    metric: str | None
    value: float | None


def best_run(tracking: Any, experiment: str, metric: str, *, maximize: bool) -> Chosen:
    """The run of ``experiment`` with the best finite ``metric`` that logged a model."""
    found = tracking.get_experiment_by_name(experiment)
    if found is None:
        raise RunSelectionError(f"no MLflow experiment named {experiment!r} on {tracking.tracking_uri}")
    runs = _all_runs(tracking, found.experiment_id)
    scored = [
        (float(run.data.metrics[metric]), run)
        for run in runs
        if metric in run.data.metrics and math.isfinite(run.data.metrics[metric])
    ]
    if not scored:
        raise RunSelectionError(
            f"no run of experiment {experiment!r} has metric {metric!r} ({len(runs)} runs); "
            "log it with mlflow.log_metric"
        )
    # Ties go to the newest run: the one a data scientist most likely means.
    scored.sort(key=lambda pair: (pair[0] if not maximize else -pair[0], -pair[1].info.start_time))
    value, run = scored[0]
    return Chosen(run.info.run_id, _model_of(tracking, run), metric, value)


def one_run(tracking: Any, run_id: str) -> Chosen:
    from mlflow.exceptions import MlflowException

    try:
        run = tracking.get_run(run_id)
    except MlflowException:
        raise RunSelectionError(f"no MLflow run {run_id!r} on {tracking.tracking_uri}") from None
    return Chosen(run.info.run_id, _model_of(tracking, run), None, None)


def register_chosen(tracking: Any, chosen: Chosen, group: str, bucket: str | None) -> Any:
    """Register ``chosen``'s model in ``group`` through the store; the MLflow ModelVersion."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking.tracking_uri, registry_uri=registry_uri([group], bucket))
    try:
        return client.create_model_version(
            name=group, source=f"models:/{chosen.model_id}", run_id=chosen.run_id, model_id=chosen.model_id
        )
    except MlflowException as error:
        raise RunSelectionError(error.message) from None


def _all_runs(tracking: Any, experiment_id: str) -> list[Any]:
    runs: list[Any] = []
    token = None
    while True:
        page = tracking.search_runs([experiment_id], max_results=1000, page_token=token)
        runs += list(page)
        token = page.token
        if not token:
            return runs


def _model_of(tracking: Any, run: Any) -> str:
    """The newest model the run logged; refused in one line when it logged none."""
    models = tracking.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"source_run_id = '{run.info.run_id}'",
        order_by=[{"field_name": "creation_time", "ascending": False}],
    )
    if not models:
        raise RunSelectionError(
            f"run {run.info.run_id} ({run.info.run_name}) logged no model; log one with "
            "mlflow.<flavor>.log_model inside the run"
        )
    return str(models[0].model_id)
