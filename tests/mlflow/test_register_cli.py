"""``modelops register --experiment NAME --best METRIC [--max]`` and ``--run RUN_ID``: the chosen run's model
becomes a version through the same store log_model uses; every refusal is one line and registers nothing."""

from __future__ import annotations

from typing import Any

import mlflow
import pytest
from click.testing import CliRunner

from modelops.cli import main
from modelops.registry import ModelRegistry
from tests.mlflow.conftest import BUCKET, GROUP, MlflowWorld, log_forest


def _register(world: MlflowWorld, *args: str) -> Any:
    env = {"MLFLOW_TRACKING_URI": world.tracking_uri, "MODELOPS_ARTIFACT_BUCKET": BUCKET}
    return CliRunner().invoke(main, ["register", *args], env=env)


def _three_runs(world: MlflowWorld, diabetes: Any) -> list[Any]:
    runs = []
    for depth, rmse, r2 in ((2, 0.4, 0.1), (4, 0.2, 0.3), (6, 0.3, 0.5)):
        info = log_forest(None, diabetes, max_depth=depth, rmse=rmse)  # logged, not registered
        mlflow.MlflowClient().log_metric(info.run_id, "r2", r2)
        runs.append(info)
    return runs


def test_the_lowest_metric_wins_and_max_takes_the_highest(world: MlflowWorld, diabetes: Any) -> None:
    runs = _three_runs(world, diabetes)
    lowest = _register(world, "--experiment", "house-prices", "--best", "rmse")
    assert lowest.exit_code == 0, lowest.output
    assert lowest.output.startswith(f"registered run {runs[1].run_id} (rmse 0.2) as version 1 of {GROUP}")
    highest = _register(world, "--experiment", "house-prices", "--best", "r2", "--max", "--json")
    assert highest.exit_code == 0, highest.output
    registry = ModelRegistry(world.sagemaker, GROUP)
    assert registry.get_version(1).properties["mlflow.run_id"] == runs[1].run_id
    assert registry.get_version(2).properties["mlflow.run_id"] == runs[2].run_id
    assert registry.get_version(2).hyperparameters["max_depth"] == "6"
    assert registry.get_version(2).approval_status == "PendingManualApproval"


def test_one_run_by_id(world: MlflowWorld, diabetes: Any) -> None:
    runs = _three_runs(world, diabetes)
    result = _register(world, "--run", runs[0].run_id)
    assert result.exit_code == 0, result.output
    assert ModelRegistry(world.sagemaker, GROUP).get_version(1).metrics["rmse"] == 0.4


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--experiment", "nope", "--best", "rmse"], 1, "no MLflow experiment named 'nope'"),
        (
            ["--experiment", "house-prices", "--best", "mape"],
            1,
            "no run of experiment 'house-prices' has metric 'mape'",
        ),
        (["--run", "0" * 32], 1, f"no MLflow run {'0' * 32!r}"),
        (["--experiment", "house-prices"], 2, "--experiment needs --best METRIC"),
        (["--best", "rmse"], 2, "--best and --max choose a run of an experiment"),
        (["--run", "x", "--experiment", "house-prices", "--best", "rmse"], 2, "pass either"),
        (["--run", "x", "--image", "i"], 2, "--image and --model-data-url are for a model outside MLflow"),
        ([], 2, "pass --image and --model-data-url, or register an MLflow run"),
    ],
)
def test_refusals_are_one_line_and_register_nothing(
    world: MlflowWorld, diabetes: Any, args: list[str], code: int, message: str
) -> None:
    log_forest(None, diabetes)
    result = _register(world, *args)
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.output
    assert world.sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"] == []


def test_a_best_run_that_logged_no_model_is_refused_naming_it(world: MlflowWorld, diabetes: Any) -> None:
    log_forest(None, diabetes, rmse=0.3)
    with mlflow.start_run(run_name="metrics only") as bare:
        mlflow.log_metric("rmse", 0.01)
    result = _register(world, "--experiment", "house-prices", "--best", "rmse")
    assert result.exit_code == 1
    assert f"run {bare.info.run_id} (metrics only) logged no model" in result.output


def test_without_a_tracking_server_it_says_where_to_find_one(world: MlflowWorld) -> None:
    result = CliRunner().invoke(main, ["register", "--run", "abc"], env={"MLFLOW_TRACKING_URI": ""})
    assert result.exit_code == 2
    assert "no MLflow tracking server" in result.output
