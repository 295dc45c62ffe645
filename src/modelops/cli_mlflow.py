"""``modelops register --experiment NAME --best METRIC [--max]`` / ``--run RUN_ID``: register an MLflow run.

The run is read from the tracking server (``--tracking-uri`` or MLFLOW_TRACKING_URI) and registered through
the SageMaker-backed MLflow store (``modelops.mlflow_registry``), the path ``log_model`` takes, with the
caller's own AWS credentials. Every refusal is one line (``RunSelectionError`` is a ``RegistryError``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

_OPTIONS = (
    click.option("--experiment", help="Register the best run of this MLflow experiment (with --best)."),
    click.option("--best", metavar="METRIC", help="The metric that picks the run: lowest wins."),
    click.option("--max", "maximize", is_flag=True, help="With --best: highest wins."),
    click.option("--run", "run_id", metavar="RUN_ID", help="Register this MLflow run's model."),
    click.option(
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="MLflow tracking server (env MLFLOW_TRACKING_URI).",
    ),
    click.option(
        "--bucket", envvar="MODELOPS_ARTIFACT_BUCKET", help="Artifact bucket for a run's serving archive."
    ),
)


def run_options(function: F) -> F:
    """The options of ``modelops register`` that choose an MLflow run."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


def registered_run(
    run: Mapping[str, Any],
    image: str | None,
    model_data_url: str | None,
    group: str,
    region: str | None,
    as_json: bool,
) -> bool:
    """Register the MLflow run the options choose and print it; False when they choose none."""
    chosen_by = {key: run[key] for key in ("experiment", "best", "maximize", "run_id")}
    if not check_options(**chosen_by, image=image, model_data_url=model_data_url):
        return False
    chosen, created = register_run(
        tracking_uri=run["tracking_uri"], group=group, bucket=run["bucket"], **chosen_by
    )
    if as_json:
        from modelops import cli_format
        from modelops.deploy.clients import session as aws_session
        from modelops.registry import ModelRegistry

        client = aws_session(region).client("sagemaker")
        click.echo(
            cli_format.as_json(ModelRegistry(client, group).get_version(int(created.version)).to_dict())
        )
    else:
        click.echo(summary(chosen, created))
    return True


def check_options(
    *,
    experiment: str | None,
    best: str | None,
    maximize: bool,
    run_id: str | None,
    image: str | None,
    model_data_url: str | None,
) -> bool:
    """True when the options ask to register an MLflow run; a usage error for a mix that means nothing."""
    from_mlflow = experiment is not None or run_id is not None
    if experiment is not None and run_id is not None:
        raise click.UsageError("pass either --experiment NAME --best METRIC or --run RUN_ID, not both")
    if experiment is not None and best is None:
        raise click.UsageError("--experiment needs --best METRIC (lowest wins; add --max for highest)")
    if (best is not None or maximize) and experiment is None:
        raise click.UsageError("--best and --max choose a run of an experiment: add --experiment NAME")
    if from_mlflow and (image or model_data_url):
        raise click.UsageError(
            "--image and --model-data-url are for a model outside MLflow; a run's model is packaged for you"
        )
    if not from_mlflow and not (image and model_data_url):
        raise click.UsageError(
            "pass --image and --model-data-url, or register an MLflow run with --experiment/--best or --run"
        )
    return from_mlflow


def register_run(
    *,
    tracking_uri: str | None,
    experiment: str | None,
    best: str | None,
    maximize: bool,
    run_id: str | None,
    group: str,
    bucket: str | None,
) -> tuple[Any, Any]:
    """(the chosen run, the MLflow ModelVersion registered from it)."""
    if not tracking_uri:
        raise click.UsageError(
            "no MLflow tracking server: pass --tracking-uri or set MLFLOW_TRACKING_URI (modelops local up prints it)"
        )
    import logging
    import os

    from mlflow.tracking import MlflowClient

    from modelops.mlflow_registry.best_run import best_run, one_run, register_chosen

    # The CLI prints one line: MLflow's download progress bar (the run's model, to package it) is noise here.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    # ...and so is its "waiting for the version to be READY" line: the store's versions are READY at once.
    logging.getLogger("mlflow.store.model_registry.abstract_store").setLevel(logging.WARNING)
    tracking = MlflowClient(tracking_uri=tracking_uri)
    if run_id is not None:
        chosen = one_run(tracking, run_id)
    else:
        assert experiment is not None and best is not None
        chosen = best_run(tracking, experiment, best, maximize=maximize)
    return chosen, register_chosen(tracking, chosen, group, bucket)


def summary(chosen: Any, version: Any) -> str:
    why = f" ({chosen.metric} {chosen.value!r})" if chosen.metric else ""
    return (
        f"registered run {chosen.run_id}{why} as version {version.version} of {version.name} "
        f"(PendingManualApproval): models:/{version.name}/{version.version}"
    )
