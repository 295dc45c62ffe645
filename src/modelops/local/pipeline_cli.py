"""``modelops local run-pipeline``: train, evaluate, gate and register a version with no Docker.

Talks to whatever AWS the standard environment names: the embedded AWS when ``AWS_ENDPOINT_URL`` points
at it, a real account otherwise. The group and bucket default to the outputs of the deployed registry
stack (``<project>-registry``), so after a local or real deploy no flags are needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import click
from botocore.exceptions import BotoCoreError, ClientError

from modelops.contract import lifecycle, names
from modelops.contract.settings import SettingsError, StageSettings, read_stages, settings_for
from modelops.contract.training import HYPERPARAMETERS
from modelops.local.pipeline_runner import (
    SERVING_FAULTS,
    MlflowOptions,
    PipelineRunError,
    run_local_pipeline,
)


def _stage_settings(stage: str, cdk_json: Path) -> StageSettings:
    """The named stage of ``cdk_json``'s ``modelops:stages``, as ``cdk synth -c stage=`` reads it."""
    if stage != "default" and not cdk_json.is_file():
        raise click.BadParameter(
            f"no {cdk_json} to read stage {stage!r} from; run in the project folder or pass --cdk-json",
            param_hint="--stage",
        )
    try:
        return settings_for(stage, read_stages(cdk_json))
    except SettingsError as error:
        raise click.BadParameter(str(error), param_hint="--stage") from None


def _registry_output(project_name: str, key: str) -> str | None:
    """An output of the deployed registry stack, or None when that stack is not deployed here."""
    try:
        stacks = boto3.client("cloudformation").describe_stacks(
            StackName=names.stack_name(project_name, "registry")
        )["Stacks"]
    except (ClientError, BotoCoreError):
        return None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])} if stacks else {}
    return outputs.get(key)


def _range(name: str) -> click.IntRange:
    _default, low, high = HYPERPARAMETERS[name]
    return click.IntRange(low, high)


@click.command("run-pipeline")
@click.option("--stage", default="default", show_default=True, help="Stage whose settings give the defaults.")
@click.option(
    "--cdk-json",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("cdk.json"),
    envvar="MODELOPS_CDK_JSON",
    show_default=True,
    help="The cdk.json whose modelops:stages context names the stages.",
)
@click.option("--group", help="Model package group [default: the registry stack's, else the stage's].")
@click.option(
    "--bucket", envvar=names.ENV_ARTIFACT_BUCKET, help="Artifact bucket [default: the registry stack's]."
)
@click.option(
    "--threshold",
    type=click.FloatRange(min=0, min_open=True),
    help="Largest RMSE that passes the gate [default: the stage's].",
)
@click.option(
    "--approval-status",
    type=click.Choice(lifecycle.APPROVAL_STATUSES),
    default=lifecycle.PENDING,
    show_default=True,
    help="Approval status the version is registered with.",
)
@click.option("--n-estimators", type=_range("n_estimators"), help="Trees in the forest [default: 200].")
@click.option("--max-depth", type=_range("max_depth"), help="Deepest a tree may grow [default: 6].")
@click.option(
    "--min-samples-leaf", type=_range("min_samples_leaf"), help="Fewest rows in a leaf [default: 5]."
)
@click.option(
    "--serving-fault",
    type=click.Choice(sorted(SERVING_FAULTS)),
    help="Ship deliberately broken serving code (demo: a version that must fail staging verification).",
)
@click.option(
    "--data",
    "data_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Input CSV (header row, 'target' column) [default: scikit-learn's bundled diabetes data].",
)
@click.option("--code-commit", help="Commit to record [default: git HEAD of this checkout].")
@click.option(
    "--mlflow-tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    help="Log the execution as one MLflow run there [default: MLFLOW_TRACKING_URI; unset: no logging].",
)
@click.option(
    "--mlflow-experiment", help="MLflow experiment [default: the pipeline's MlflowConfig, else its name]."
)
@click.option("--no-mlflow", is_flag=True, help="Do not log to MLflow even if MLFLOW_TRACKING_URI is set.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def run_pipeline(
    stage: str,
    cdk_json: Path,
    group: str | None,
    bucket: str | None,
    threshold: float | None,
    approval_status: str,
    n_estimators: int | None,
    max_depth: int | None,
    min_samples_leaf: int | None,
    serving_fault: str | None,
    data_csv: Path | None,
    code_commit: str | None,
    mlflow_tracking_uri: str | None,
    mlflow_experiment: str | None,
    no_mlflow: bool,
    as_json: bool,
) -> None:
    """Run preprocess -> train -> evaluate -> gate -> register here, and print the new version."""
    settings = _stage_settings(stage, cdk_json)
    group = group or _registry_output(settings.project_name, "ModelPackageGroupName")
    group = group or settings.model_package_group_name
    bucket = bucket or _registry_output(settings.project_name, "ArtifactBucketName")
    if not bucket:
        raise click.UsageError(
            f"no artifact bucket: stack {names.stack_name(settings.project_name, 'registry')} is not deployed "
            "here; pass --bucket"
        )
    try:
        run = run_local_pipeline(
            boto3.client("sagemaker"),
            boto3.client("s3"),
            group=group,
            bucket=bucket,
            threshold=settings.metric_threshold if threshold is None else threshold,
            project_name=settings.project_name,
            approval_status=approval_status,
            hyperparameters={
                "n_estimators": n_estimators,
                "max_depth": max_depth,
                "min_samples_leaf": min_samples_leaf,
            },
            serving_fault=serving_fault,
            data_csv=data_csv,
            code_commit=code_commit,
            # As the deployed pipeline registers: the instance types staging and production deploy on.
            inference_instance_types=(settings.staging_instance_type, settings.production_instance_type),
            mlflow=None
            if no_mlflow or not mlflow_tracking_uri
            else MlflowOptions(mlflow_tracking_uri, mlflow_experiment),
        )
    except PipelineRunError as error:
        raise click.ClickException(str(error)) from None
    except (ClientError, BotoCoreError) as error:
        raise click.ClickException(f"AWS call failed: {error}") from None
    if as_json:
        click.echo(
            json.dumps(
                {**run.__dict__, "metrics": dict(run.metrics), "hyperparameters": dict(run.hyperparameters)}
            )
        )
        return
    click.echo(run.model_package_arn)
    click.echo("  " + "  ".join(f"{name}={value:.4f}" for name, value in run.metrics.items()))
    click.echo(
        f"  data_version={run.data_version}  approval={run.approval_status}  took={run.duration_s:.1f}s"
    )
    if run.mlflow_run_id:
        click.echo(f"  mlflow run={run.mlflow_run_id}")
    if run.serving_fault:
        click.echo(f"  serving fault injected: {run.serving_fault}")
