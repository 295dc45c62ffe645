"""The steps of a local pipeline run, timed and recorded as ``ListPipelineExecutionSteps`` shows them.

``modelops local run-pipeline`` runs the step scripts itself, so it also tells the emulator what each step
did (``execution_recorder.record_execution`` picks the in-process backend or the local server's route)
and how the execution ended. The step names are those of ``pipelines/training.py``'s definition.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

# The step names of the pipeline definition (the contract's), so a local run's execution lists its steps
# as a deployed run's does.
from modelops.contract.names import (
    STEP_EVALUATE,
    STEP_FAIL,
    STEP_GATE,
    STEP_PREPROCESS,
    STEP_REGISTER,
    STEP_TRAIN,
)
from modelops.local.execution_recorder import RecordingError, record_execution

__all__ = [
    "STEP_EVALUATE",
    "STEP_FAIL",
    "STEP_GATE",
    "STEP_PREPROCESS",
    "STEP_REGISTER",
    "STEP_TRAIN",
    "StepLog",
    "StepRecordingError",
    "job_name",
]


class StepRecordingError(RuntimeError):
    """The emulator did not take the run's step records (the run itself may have worked)."""


class StepLog:
    """The steps of one execution as ``ListPipelineExecutionSteps`` shows them, recorded on the emulator."""

    def __init__(self, execution_arn: str) -> None:
        self.execution_arn = execution_arn
        self.records: list[dict[str, Any]] = []

    def job(self, kind: str, step: str) -> dict[str, dict[str, str]]:
        """Step metadata naming the job the step stands for (``processing-job`` or ``training-job``)."""
        _, partition, _, region, account = self.execution_arn.split(":")[:5]
        key = "TrainingJob" if kind == "training-job" else "ProcessingJob"
        name = job_name(self.execution_arn, step)
        return {key: {"Arn": f"arn:{partition}:sagemaker:{region}:{account}:{kind}/{name}"}}

    @contextmanager
    def step(self, name: str, metadata: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Time the block as step ``name``: Succeeded, or Failed with the exception's message (re-raised)."""
        record: dict[str, Any] = {"StepName": name, "StartTime": datetime.now(UTC), "AttemptCount": 1}
        record["Metadata"] = dict(metadata or {})
        self.records.append(record)
        try:
            yield record["Metadata"]
        except Exception as error:
            record.update(StepStatus="Failed", EndTime=datetime.now(UTC), FailureReason=str(error))
            raise
        record.update(StepStatus="Succeeded", EndTime=datetime.now(UTC))

    def record(self, sagemaker_client: Any, status: str, failure_reason: str | None = None) -> None:
        """Record the steps and the execution's end where the client points (nothing on a real account)."""
        try:
            record_execution(sagemaker_client, self.execution_arn, self.records, status, failure_reason)
        except RecordingError as error:
            raise StepRecordingError(
                f"the steps of execution {self.execution_arn} are not recorded: {error}"
            ) from None


def job_name(execution_arn: str, step: str) -> str:
    return f"local-{execution_arn.rsplit('/', 1)[-1]}-{step}"
