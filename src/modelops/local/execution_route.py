"""The emulator-only route through which a local pipeline run records its steps on the local server.

Nothing in the embedded AWS runs pipeline steps; ``modelops local run-pipeline`` runs them and tells the
emulator what each did. In-process it writes straight to moto's backend (:func:`record`); against the local
server (``modelops local up``) another process posts to ``POST /modelops-api/pipeline-execution-steps``,
beside moto's own ``/moto-api/``, never a SageMaker API call that means something else on AWS. Every answer
of the route carries ``ROUTE_HEADER``, so a client tells "this emulator refused" from "no such route here".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

# moto is imported inside the functions, so the runner's side (execution_recorder) reads ROUTE without it.

ROUTE = "/modelops-api/pipeline-execution-steps"
ROUTE_HEADER = ("X-Modelops-Route", "pipeline-execution-steps")


def record(body: Mapping[str, Any]) -> None:
    """Record ``{"PipelineExecutionArn", "Steps", "PipelineExecutionStatus"?, "FailureReason"?}``."""
    from moto.sagemaker.exceptions import ValidationError
    from moto.sagemaker.models import sagemaker_backends

    from modelops.local.patches import pipeline_executions

    arn = body.get("PipelineExecutionArn")
    if not isinstance(arn, str) or arn.count(":") < 5:
        raise ValidationError(f"invalid PipelineExecutionArn {arn!r}")
    _, _, _, region, account, _ = arn.split(":", 5)
    backend: Any = sagemaker_backends[account][region]
    pipeline_executions.record_steps(backend, arn, body.get("Steps") or [])
    if body.get("PipelineExecutionStatus") is not None:
        pipeline_executions.finish_execution(
            backend, arn, body["PipelineExecutionStatus"], body.get("FailureReason")
        )


def wsgi_route(app: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap moto's server application so it also answers ``POST`` on ``ROUTE``; everything else passes on."""

    from moto.sagemaker.exceptions import ResourceNotFound, ValidationError

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
