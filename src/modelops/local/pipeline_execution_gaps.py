"""Pipeline-execution gaps of moto 5.2.5's SageMaker: ``ListPipelineExecutionSteps`` and a final status.

moto has no ``ListPipelineExecutionSteps``, marks every execution ``Succeeded`` the moment it starts (nothing
runs it) and answers ``FailureReason: ""`` whatever happened. Here, as the SageMaker API reference documents
them: an execution starts ``Executing``; ``ListPipelineExecutionSteps`` pages (``MaxResults`` 1..100,
opaque ``NextToken``) the steps sorted by start time (``SortOrder``, default ``Descending``), each with
``StepName``, ``StepStatus``, ``StartTime``, ``EndTime``, ``AttemptCount``, ``FailureReason`` when failed and
``Metadata`` keyed by step type (checked against botocore's ``PipelineExecutionStepMetadata`` shape); an
unknown execution answers ``ResourceNotFound``. ``DescribePipelineExecution`` reports the final status and,
for a failed execution, its ``FailureReason``.

Nothing in the emulator runs pipeline steps, so whoever ran them (``modelops local run-pipeline``) records
them with ``record_execution``: in-process straight into the backend, over the local server through the
emulator-only route ``POST /modelops-api/pipeline-execution-steps`` (beside moto's own ``/moto-api/``),
never through a SageMaker API call that means something else on AWS.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import botocore.session
from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.models import FakePipelineExecution, SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse

from modelops.local import search_paging

ROUTE = "/modelops-api/pipeline-execution-steps"
# On every answer of ROUTE, so a client tells "this emulator refused" from "no such route on this server".
ROUTE_HEADER = ("X-Modelops-Route", "pipeline-execution-steps")
STEP_STATUSES = ("Starting", "Executing", "Stopping", "Stopped", "Failed", "Succeeded")
FINAL_EXECUTION_STATUSES = ("Succeeded", "Failed", "Stopped")

# The documented step metadata: one member per step type, each a structure of the members listed.
_metadata: Any = (
    botocore.session.get_session().get_service_model("sagemaker").shape_for("PipelineExecutionStepMetadata")
)
METADATA_SHAPES: dict[str, tuple[str, ...]] = {
    name: tuple(shape.members) for name, shape in _metadata.members.items()
}

NATIVE: dict[str, Any] = {
    "response.list_pipeline_execution_steps": vars(SageMakerResponse).get("list_pipeline_execution_steps"),
    "backend.list_pipeline_execution_steps": vars(SageMakerModelBackend).get("list_pipeline_execution_steps"),
    "backend.start_pipeline_execution": vars(SageMakerModelBackend)["start_pipeline_execution"],
    "backend.describe_pipeline_execution": vars(SageMakerModelBackend)["describe_pipeline_execution"],
    "backend.list_pipeline_executions": vars(SageMakerModelBackend)["list_pipeline_executions"],
}


# --- backend ------------------------------------------------------------------------------------------


def _execution(backend: Any, arn: Any) -> FakePipelineExecution:
    if not isinstance(arn, str) or not arn:
        raise ValidationError(
            "1 validation error detected: Value null at 'pipelineExecutionArn' failed to satisfy constraint: "
            "Member must not be null"
        )
    pipeline = backend.pipelines.get(arn.split(":pipeline/", 1)[-1].split("/execution/", 1)[0])
    execution = pipeline.pipeline_executions.get(arn) if pipeline is not None else None
    if execution is None:
        raise ResourceNotFound(f"Pipeline execution with ARN {arn} does not exist.")
    return execution


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
        members = METADATA_SHAPES.get(kind)
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


def record_pipeline_execution_steps(
    self: Any, pipeline_execution_arn: str, steps: Iterable[Mapping[str, Any]]
) -> None:
    """Record steps an execution ran (emulator-only); a step recorded again under its name replaces itself."""
    recorded = _steps(_execution(self, pipeline_execution_arn))
    for step in map(_checked_step, steps):
        recorded[:] = [s for s in recorded if s["StepName"] != step["StepName"]]
        recorded.append({**step, "_seq": max((s["_seq"] for s in recorded), default=-1) + 1})


def finish_pipeline_execution(
    self: Any, pipeline_execution_arn: str, status: str, failure_reason: str | None = None
) -> None:
    """End an execution (emulator-only): Succeeded, Stopped, or Failed with the reason why."""
    execution: Any = _execution(self, pipeline_execution_arn)
    if status not in FINAL_EXECUTION_STATUSES:
        raise ValidationError(f"final status {status!r} is not one of {', '.join(FINAL_EXECUTION_STATUSES)}")
    if (status == "Failed") != bool(failure_reason):
        raise ValidationError("a Failed execution needs a FailureReason, and only a Failed one has one")
    execution.pipeline_execution_status = status
    execution.pipeline_execution_failure_reason = failure_reason
    execution.last_modified_time = datetime.now(UTC)


def start_pipeline_execution(self: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    response: dict[str, str] = NATIVE["backend.start_pipeline_execution"](self, *args, **kwargs)
    # Executing until whoever runs the steps ends it; AWS never answers Succeeded for a fresh execution.
    _execution(self, response["PipelineExecutionArn"]).pipeline_execution_status = "Executing"
    return response


def describe_pipeline_execution(self: Any, pipeline_execution_arn: str) -> dict[str, Any]:
    execution = _execution(self, pipeline_execution_arn)
    response: dict[str, Any] = NATIVE["backend.describe_pipeline_execution"](self, pipeline_execution_arn)
    response.pop("FailureReason", None)
    if execution.pipeline_execution_failure_reason:
        response["FailureReason"] = execution.pipeline_execution_failure_reason
    return response


def list_pipeline_executions(self: Any, pipeline_name: str) -> dict[str, Any]:
    response: dict[str, Any] = NATIVE["backend.list_pipeline_executions"](self, pipeline_name)
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
    execution = _execution(self, pipeline_execution_arn)
    _, sort_order, max_results = search_paging.validate(None, sort_order, max_results)
    descending = sort_order == "Descending"
    keyed = sorted(
        (((s["StartTime"].timestamp(), s["_seq"]), s) for s in _steps(execution)),
        key=lambda ks: ks[0],
        reverse=descending,
    )
    fingerprint = hashlib.sha256(f"{pipeline_execution_arn}|{sort_order}".encode()).hexdigest()[:16]
    if next_token is not None:
        after = _decode(next_token, fingerprint)
        keyed = [(k, s) for k, s in keyed if (k < after if descending else k > after)]
    shown = keyed[:max_results]
    response: dict[str, Any] = {
        "PipelineExecutionSteps": [{k: v for k, v in s.items() if k != "_seq"} for _, s in shown]
    }
    if len(keyed) > max_results:
        last = shown[-1][0]
        token = json.dumps({"q": fingerprint, "after": [last[0], last[1]]})
        response["NextToken"] = base64.urlsafe_b64encode(token.encode()).decode()
    return response


def _decode(token: str, fingerprint: str) -> tuple[float, int]:
    try:
        content = json.loads(base64.urlsafe_b64decode(token.encode()))
        started, seq = content["after"]
        if content["q"] == fingerprint and isinstance(seq, int):
            return float(started), seq
    except (binascii.Error, UnicodeError, ValueError, TypeError, KeyError):
        pass
    raise ValidationError(
        "Invalid NextToken: pass back the NextToken of the previous ListPipelineExecutionSteps response, "
        "with the same PipelineExecutionArn and SortOrder."
    )


# --- responses ----------------------------------------------------------------------------------------


def list_pipeline_execution_steps_response(self: Any) -> ActionResult:
    return ActionResult(
        self.sagemaker_backend.list_pipeline_execution_steps(
            self._get_param("PipelineExecutionArn"),
            self._get_param("NextToken"),
            self._get_param("MaxResults"),
            self._get_param("SortOrder"),
        )
    )


_BACKEND_METHODS: dict[str, Callable[..., Any]] = {
    "list_pipeline_execution_steps": list_pipeline_execution_steps,
    "record_pipeline_execution_steps": record_pipeline_execution_steps,
    "finish_pipeline_execution": finish_pipeline_execution,
    "start_pipeline_execution": start_pipeline_execution,
    "describe_pipeline_execution": describe_pipeline_execution,
    "list_pipeline_executions": list_pipeline_executions,
}


def apply() -> None:
    """Install the patches (idempotent)."""
    for name, function in _BACKEND_METHODS.items():
        setattr(SageMakerModelBackend, name, function)
    setattr(SageMakerResponse, "list_pipeline_execution_steps", list_pipeline_execution_steps_response)  # noqa: B010


# --- recording: the emulator side of the route, and the runner side -------------------------------------


def record(body: Mapping[str, Any]) -> None:
    """Record ``{"PipelineExecutionArn", "Steps", "PipelineExecutionStatus"?, "FailureReason"?}``."""
    arn = body.get("PipelineExecutionArn")
    if not isinstance(arn, str) or arn.count(":") < 5:
        raise ValidationError(f"invalid PipelineExecutionArn {arn!r}")
    _, _, _, region, account, _ = arn.split(":", 5)
    backend: Any = sagemaker_backends[account][region]
    backend.record_pipeline_execution_steps(arn, body.get("Steps") or [])
    if body.get("PipelineExecutionStatus") is not None:
        backend.finish_pipeline_execution(arn, body["PipelineExecutionStatus"], body.get("FailureReason"))


def wsgi_route(app: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap moto's server application so it also answers ``POST`` on ``ROUTE``; everything else passes on."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO") != ROUTE:
            return app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST"), ROUTE_HEADER])
            return [b""]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if not isinstance(body, dict):
                raise ValidationError("the body must be a JSON object")
            record(body)
        except (ValueError, TypeError, AttributeError, ValidationError, ResourceNotFound) as exc:
            status = "404 Not Found" if isinstance(exc, ResourceNotFound) else "400 Bad Request"
            message = getattr(exc, "message", None) or str(exc)
            payload = json.dumps({"__type": getattr(exc, "code", type(exc).__name__), "message": message})
            start_response(status, [("Content-Type", "application/json"), ROUTE_HEADER])
            return [payload.encode()]
        start_response("204 No Content", [ROUTE_HEADER])
        return [b""]

    return application


class RecordingError(RuntimeError):
    """The emulator refused or could not take the execution's step records."""


def _is_aws_endpoint(url: str) -> bool:
    host = urllib.parse.urlsplit(url).hostname or ""
    return host.endswith((".amazonaws.com", ".amazonaws.com.cn", ".api.aws"))


def record_execution(
    sagemaker_client: Any,
    execution_arn: str,
    steps: list[dict[str, Any]],
    status: str | None = None,
    failure_reason: str | None = None,
) -> bool:
    """Record the steps (and, given ``status``, the end) of an execution on the emulator the client reaches.

    The client's endpoint decides: an AWS endpoint with moto's in-process mock active -> the backend in this
    process; any other endpoint -> the local server's ``ROUTE``. Returns False, recording nothing, where no
    embedded AWS takes records: a real account (SageMaker records the steps of executions it runs itself) or
    a server that is not ``modelops local serve`` (it answers 404 to the route).
    """
    body = {
        "PipelineExecutionArn": execution_arn,
        "Steps": steps,
        "PipelineExecutionStatus": status,
        "FailureReason": failure_reason,
    }
    endpoint = str(sagemaker_client.meta.endpoint_url)
    if _is_aws_endpoint(endpoint):
        from moto.core.models import botocore_stubber

        if not botocore_stubber.enabled:
            return False
        try:
            record(body)
        except (ValidationError, ResourceNotFound) as exc:
            raise RecordingError(f"the embedded AWS refused the step records: {exc.message}") from None
        return True
    data = json.dumps(body, default=lambda t: t.timestamp() if isinstance(t, datetime) else str(t)).encode()
    request = urllib.request.Request(
        endpoint.rstrip("/") + ROUTE, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30):
            return True
    except urllib.error.HTTPError as exc:
        if exc.headers.get(ROUTE_HEADER[0]) != ROUTE_HEADER[1]:
            return False  # a server without the route: not modelops' embedded AWS
        try:
            message = json.loads(exc.read())["message"]
        except (ValueError, KeyError, TypeError):
            message = exc.reason
        raise RecordingError(f"the embedded AWS refused the step records ({exc.code}): {message}") from None
    except OSError as exc:
        raise RecordingError(f"cannot reach the embedded AWS at {endpoint}: {exc}") from None
