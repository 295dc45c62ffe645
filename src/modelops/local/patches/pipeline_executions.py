"""The ``pipeline_executions`` patch: executions that run until told how they ended, and their steps.

As the SageMaker API reference documents them: StartPipelineExecution starts an execution ``Executing``;
DescribePipelineExecution reports its final status and, for a failed one, its ``FailureReason``;
ListPipelineExecutions leaves ``PipelineExecutionFailureReason`` out for an execution that did not fail;
ListPipelineExecutionSteps pages (``MaxResults`` 1..100, opaque ``NextToken``) the steps sorted by start time
(``SortOrder``, default ``Descending``), each with ``StepName``, ``StepStatus``, ``StartTime``, ``EndTime``,
``AttemptCount``, ``FailureReason`` when failed and ``Metadata`` keyed by step type (checked against
botocore's ``PipelineExecutionStepMetadata`` shape); an unknown execution answers ``ResourceNotFound``.

moto 5.2.5 has no ListPipelineExecutionSteps, marks every execution ``Succeeded`` the moment it starts
(nothing runs it) and answers ``FailureReason: ""`` or ``"None"`` whatever happened. Nothing in the emulator
runs pipeline steps: whoever ran them records them with :func:`record_steps` and :func:`finish_execution`
(``modelops.local.execution_route`` takes them over HTTP).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.models import FakePipelineExecution, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.paginator import paginate

from modelops.local.patches import paging
from modelops.local.patches.patch import Patch, PatchGroup

STEP_STATUSES = ("Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded")
FINAL_EXECUTION_STATUSES = ("Succeeded", "Failed", "Stopped")


@functools.cache
def metadata_shapes() -> dict[str, tuple[str, ...]]:
    """The documented step metadata: one member per step type, each a structure of the members listed."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("sagemaker")
    metadata: Any = model.shape_for("PipelineExecutionStepMetadata")
    return {name: tuple(shape.members) for name, shape in metadata.members.items()}


def execution(backend: Any, arn: Any) -> FakePipelineExecution:
    """The execution with this ARN, or the error SageMaker answers (ValidationException, ResourceNotFound)."""
    if not isinstance(arn, str) or not arn:
        raise ValidationError(
            "1 validation error detected: Value null at 'pipelineExecutionArn' failed to satisfy constraint: "
            "Member must not be null"
        )
    pipeline = backend.pipelines.get(arn.split(":pipeline/", 1)[-1].split("/execution/", 1)[0])
    found = pipeline.pipeline_executions.get(arn) if pipeline is not None else None
    if found is None:
        raise ResourceNotFound(f"Pipeline execution with ARN {arn} does not exist.")
    return found


def _steps(execution: Any) -> list[dict[str, Any]]:
    # On the execution object, so moto's reset() forgets the steps with their execution.
    steps: list[dict[str, Any]] = execution.__dict__.setdefault("modelops_steps", [])
    return steps


def _time(value: Any, field: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    raise ValidationError(f"{field} must be a timestamp, got {value!r}")


def _checked_step(step: Mapping[str, Any]) -> dict[str, Any]:
    name, status = step.get("StepName"), step.get("StepStatus")
    if not isinstance(name, str) or not name:
        raise ValidationError("a pipeline execution step needs a StepName")
    if status not in STEP_STATUSES:
        raise ValidationError(
            f"StepStatus {status!r} of step {name} is not one of {', '.join(STEP_STATUSES)}"
        )
    metadata = step.get("Metadata") or {}
    for kind, content in metadata.items():
        members = metadata_shapes().get(kind)
        if members is None or not isinstance(content, dict) or set(content) - set(members):
            raise ValidationError(
                f"Metadata {kind}: {content!r} of step {name} is not a documented step metadata"
            )
    if step.get("FailureReason") and status != "Failed":
        raise ValidationError(f"step {name} has a FailureReason but is {status}, not Failed")
    checked: dict[str, Any] = {
        "StepName": name,
        "StepDisplayName": step.get("StepDisplayName") or name,
        "StartTime": _time(step.get("StartTime"), "StartTime"),
        "StepStatus": status,
        "AttemptCount": int(step.get("AttemptCount", 1)),
        "Metadata": metadata,
    }
    if step.get("EndTime") is not None:
        checked["EndTime"] = _time(step["EndTime"], "EndTime")
    if step.get("StepDescription"):
        checked["StepDescription"] = step["StepDescription"]
    if status == "Failed":
        checked["FailureReason"] = step.get("FailureReason") or "Step failed"
    return checked


def record_steps(backend: Any, pipeline_execution_arn: str, steps: Iterable[Mapping[str, Any]]) -> None:
    """Record steps an execution ran (emulator-only); a step recorded again under its name replaces itself."""
    recorded = _steps(execution(backend, pipeline_execution_arn))
    for step in map(_checked_step, steps):
        recorded[:] = [s for s in recorded if s["StepName"] != step["StepName"]]
        recorded.append({**step, "_seq": max((s["_seq"] for s in recorded), default=-1) + 1})


def finish_execution(
    backend: Any, pipeline_execution_arn: str, status: str, failure_reason: str | None = None
) -> None:
    """End an execution (emulator-only): Succeeded, Stopped, or Failed with the reason why."""
    ended: Any = execution(backend, pipeline_execution_arn)
    if status not in FINAL_EXECUTION_STATUSES:
        raise ValidationError(f"final status {status!r} is not one of {', '.join(FINAL_EXECUTION_STATUSES)}")
    if (status == "Failed") != bool(failure_reason):
        raise ValidationError("a Failed execution needs a FailureReason, and only a Failed one has one")
    ended.pipeline_execution_status = status
    ended.pipeline_execution_failure_reason = failure_reason
    ended.last_modified_time = datetime.now(UTC)


def start_pipeline_execution(original: Any, self: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    response: dict[str, str] = original(self, *args, **kwargs)
    # Executing until whoever runs the steps ends it; AWS never answers Succeeded for a fresh execution.
    execution(self, response["PipelineExecutionArn"]).pipeline_execution_status = "Executing"
    return response


def describe_pipeline_execution(original: Any, self: Any, pipeline_execution_arn: str) -> dict[str, Any]:
    described = execution(self, pipeline_execution_arn)
    response: dict[str, Any] = original(self, pipeline_execution_arn)
    response.pop("FailureReason", None)
    if described.pipeline_execution_failure_reason:
        response["FailureReason"] = described.pipeline_execution_failure_reason
    return response


def list_pipeline_executions(original: Any, self: Any, pipeline_name: str) -> dict[str, Any]:
    response: dict[str, Any] = original(self, pipeline_name)
    # moto answers the text "None" for an execution that did not fail; AWS leaves the field out.
    for summary in response["PipelineExecutionSummaries"]:
        if summary.get("PipelineExecutionFailureReason") in (None, "", "None"):
            summary.pop("PipelineExecutionFailureReason", None)
    return response


def list_pipeline_execution_steps(
    self: Any,
    pipeline_execution_arn: str,
    next_token: str | None = None,
    max_results: int | None = None,
    sort_order: str | None = None,
) -> dict[str, Any]:
    listed = execution(self, pipeline_execution_arn)
    limit = paging.max_results(max_results, paging.MAX_MAX_RESULTS)
    order = paging.sort_order(sort_order)
    steps = sorted(
        _steps(listed), key=lambda s: (s["StartTime"].timestamp(), s["_seq"]), reverse=order == "Descending"
    )
    with paging.tokens_of("ListPipelineExecutionSteps", "PipelineExecutionArn and SortOrder"):
        page, token = paged_execution_steps(
            steps,
            pipeline_execution_arn=pipeline_execution_arn,
            sort_order=order,
            max_results=limit,
            next_token=next_token,
        )
    response: dict[str, Any] = {
        "PipelineExecutionSteps": [{k: v for k, v in s.items() if k != "_seq"} for s in page]
    }
    if token:
        response["NextToken"] = token
    return response


@paginate(pagination_model=paging.PAGINATION_MODEL)
def paged_execution_steps(steps: list[dict[str, Any]], **query: Any) -> list[dict[str, Any]]:
    # The query's members only reach moto's paginator, which checks that a token comes back with the same.
    return steps


def _list_pipeline_execution_steps_response(self: Any) -> ActionResult:
    return ActionResult(
        self.sagemaker_backend.list_pipeline_execution_steps(
            self._get_param("PipelineExecutionArn"),
            self._get_param("NextToken"),
            self._get_param("MaxResults"),
            self._get_param("SortOrder"),
        )
    )


_REFERENCE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_{}.html"
_OPERATIONS = (
    "StartPipelineExecution",
    "DescribePipelineExecution",
    "ListPipelineExecutions",
    "ListPipelineExecutionSteps",
)

GROUP = PatchGroup(
    name="pipeline_executions",
    behaviour="executions stay Executing until their runner records how they ended; their steps are "
    "listed, sorted and paged; a failure reason appears only for a failed execution",
    operations=_OPERATIONS,
    references=tuple(_REFERENCE.format(operation) for operation in _OPERATIONS),
    build=lambda: [
        Patch(SageMakerModelBackend, "start_pipeline_execution", start_pipeline_execution, wraps=True),
        Patch(SageMakerModelBackend, "describe_pipeline_execution", describe_pipeline_execution, wraps=True),
        Patch(SageMakerModelBackend, "list_pipeline_executions", list_pipeline_executions, wraps=True),
        Patch(SageMakerModelBackend, "list_pipeline_execution_steps", list_pipeline_execution_steps),
        Patch(SageMakerResponse, "list_pipeline_execution_steps", _list_pipeline_execution_steps_response),
    ],
)
