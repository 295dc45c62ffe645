"""A local pipeline run shows its steps and its end as a SageMaker pipeline execution does, in-process and
through the local server.

Each run trains the real model (a few seconds): one run that registers and one that misses the bar, per mode.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.local.embedded import embedded_aws
from modelops.local.execution_steps import (
    STEP_EVALUATE,
    STEP_FAIL,
    STEP_GATE,
    STEP_PREPROCESS,
    STEP_REGISTER,
    STEP_TRAIN,
)
from modelops.local.pipeline_runner import GateFailedError, LocalPipelineRun, run_local_pipeline
from modelops.local.server import LocalServer

GROUP = "steps-group"
BUCKET = "modelops-steps-artifacts"
LOCAL_PIPELINE = "modelops-training-local"  # what the runner creates where no pipeline is deployed


@dataclass
class Target:
    sagemaker: Any
    s3: Any


@pytest.fixture(scope="module", params=["in-process", "server"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    saved = {k: os.environ.pop(k) for k in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]}
    try:
        if request.param == "in-process":
            with embedded_aws(None) as aws:
                yield _prepared(Target(aws.client("sagemaker"), aws.client("s3")))
        else:
            server = LocalServer(None, port=0)
            aws = server.start()
            try:
                assert aws.endpoint_url == server.endpoint_url
                yield _prepared(Target(aws.client("sagemaker"), aws.client("s3")))
            finally:
                server.stop()
    finally:
        os.environ.update(saved)


def _prepared(target: Target) -> Target:
    target.sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    target.s3.create_bucket(Bucket=BUCKET)
    return target


def _run(target: Target, threshold: float) -> LocalPipelineRun:
    return run_local_pipeline(
        target.sagemaker, target.s3, group=GROUP, bucket=BUCKET, threshold=threshold, code_commit="abc1234"
    )


@pytest.fixture(scope="module")
def good_run(target: Target) -> LocalPipelineRun:
    return _run(target, threshold=70.0)


@pytest.fixture(scope="module")
def gate_failure(target: Target, good_run: LocalPipelineRun) -> tuple[str, GateFailedError]:
    """The execution ARN and the error of a run held to a bar no model meets (after ``good_run``)."""
    with pytest.raises(GateFailedError) as raised:
        _run(target, threshold=1.0)
    summaries = target.sagemaker.list_pipeline_executions(PipelineName=LOCAL_PIPELINE)[
        "PipelineExecutionSummaries"
    ]
    (failed,) = [s for s in summaries if s["PipelineExecutionArn"] != good_run.pipeline_execution_arn]
    return failed["PipelineExecutionArn"], raised.value


def _steps(target: Target, arn: str) -> list[dict[str, Any]]:
    pages = target.sagemaker.get_paginator("list_pipeline_execution_steps").paginate(
        PipelineExecutionArn=arn, SortOrder="Ascending"
    )
    return [step for page in pages for step in page["PipelineExecutionSteps"]]


def _assert_timed_in_sequence(steps: list[dict[str, Any]]) -> None:
    for before, after in itertools.pairwise(steps):
        assert before["StartTime"] <= before["EndTime"] <= after["StartTime"] <= after["EndTime"]


def test_a_run_lists_its_five_steps_with_their_jobs_outcome_and_version(
    target: Target, good_run: LocalPipelineRun
) -> None:
    steps = _steps(target, good_run.pipeline_execution_arn)
    package = target.sagemaker.describe_model_package(ModelPackageName=good_run.model_package_arn)
    training_job = package["CustomerMetadataProperties"][lifecycle.META_TRAINING_JOB]

    assert [s["StepName"] for s in steps] == [
        STEP_PREPROCESS,
        STEP_TRAIN,
        STEP_EVALUATE,
        STEP_GATE,
        STEP_REGISTER,
    ]
    assert {s["StepStatus"] for s in steps} == {"Succeeded"}
    assert {s["AttemptCount"] for s in steps} == {1}
    assert steps[0]["Metadata"]["ProcessingJob"]["Arn"].endswith("-preprocess")
    assert steps[1]["Metadata"]["TrainingJob"]["Arn"].endswith(f":training-job/{training_job}")
    assert steps[2]["Metadata"]["ProcessingJob"]["Arn"].endswith("-evaluate")
    assert steps[3]["Metadata"] == {"Condition": {"Outcome": "True"}}
    assert steps[4]["Metadata"] == {"RegisterModel": {"Arn": good_run.model_package_arn}}
    _assert_timed_in_sequence(steps)
    # The scripts really ran: training a forest takes longer than the millisecond the timestamps resolve.
    assert steps[1]["EndTime"] > steps[1]["StartTime"]


def test_a_run_that_registers_ends_the_execution_succeeded(
    target: Target, good_run: LocalPipelineRun
) -> None:
    described = target.sagemaker.describe_pipeline_execution(
        PipelineExecutionArn=good_run.pipeline_execution_arn
    )

    assert described["PipelineExecutionStatus"] == "Succeeded"
    assert "FailureReason" not in described


def test_a_run_below_the_bar_fails_at_the_fail_step_with_the_gate_message(
    target: Target, gate_failure: tuple[str, GateFailedError]
) -> None:
    arn, error = gate_failure
    steps = _steps(target, arn)
    described = target.sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)

    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [
        (STEP_PREPROCESS, "Succeeded"),
        (STEP_TRAIN, "Succeeded"),
        (STEP_EVALUATE, "Succeeded"),
        (STEP_GATE, "Succeeded"),
        (STEP_FAIL, "Failed"),
    ]
    assert steps[3]["Metadata"] == {"Condition": {"Outcome": "False"}}
    assert steps[4]["Metadata"] == {"Fail": {"ErrorMessage": str(error)}}
    assert steps[4]["FailureReason"] == str(error)
    assert str(error).startswith(f"{lifecycle.PRIMARY_METRIC} ")
    _assert_timed_in_sequence(steps)
    assert (described["PipelineExecutionStatus"], described["FailureReason"]) == ("Failed", str(error))
    packages = target.sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert len(packages) == 1  # only the good run's version


def test_step_names_are_those_of_the_pipeline_definition() -> None:
    # Imported here: the SageMaker SDK takes seconds to import, and only this test needs it.
    from modelops.contract.settings import settings_for
    from pipelines.training import build_definition

    definition = json.loads(
        build_definition(
            settings_for("default"),
            region="us-east-1",
            bucket="modelops-artifacts-example",
            role_arn="arn:aws:iam::111122223333:role/pipeline",
        )
    )

    def names(steps: list[dict[str, Any]]) -> dict[str, str]:
        found = {}
        for step in steps:
            found[step["Name"]] = step["Type"]
            for branch in ("IfSteps", "ElseSteps"):
                found.update(names(step.get("Arguments", {}).get(branch, [])))
        return found

    assert names(definition["Steps"]) == {
        STEP_PREPROCESS: "Processing",
        STEP_TRAIN: "Training",
        STEP_EVALUATE: "Processing",
        STEP_GATE: "Condition",
        STEP_REGISTER: "RegisterModel",
        STEP_FAIL: "Fail",
    }
