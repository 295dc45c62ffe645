"""The runner's side of recording a pipeline execution: to the in-process emulator, or over HTTP to the server.

The client's endpoint decides where the records go: an AWS endpoint with moto's in-process mock active -> the
backend in this process; any other endpoint -> the local server's emulator-only route
(``modelops.local.execution_route``). Against a real account nothing is recorded: SageMaker records the steps
of the executions it runs itself.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any

from modelops.local.execution_route import ROUTE, ROUTE_HEADER


class RecordingError(RuntimeError):
    """The emulator refused or could not take the execution's step records."""


def _signed(sagemaker_client: Any, url: str, data: bytes) -> dict[str, str]:
    """Headers of a SigV4-signed POST with the client's own credentials: the local server takes no other."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method="POST", url=url, data=data, headers={"Content-Type": "application/json"})
    credentials = sagemaker_client._request_signer._credentials  # the client's, as it signs its own calls
    if credentials is not None:
        region = sagemaker_client.meta.region_name
        SigV4Auth(credentials.get_frozen_credentials(), "sagemaker", region).add_auth(request)
    return dict(request.headers.items())


def is_aws_endpoint(url: str) -> bool:
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

    Returns False, recording nothing, where no embedded AWS takes records: a real account, or a server that
    is not ``modelops local up`` (it answers the route without ``ROUTE_HEADER``).
    """
    body = {
        "PipelineExecutionArn": execution_arn,
        "Steps": steps,
        "PipelineExecutionStatus": status,
        "FailureReason": failure_reason,
    }
    endpoint = str(sagemaker_client.meta.endpoint_url)
    if is_aws_endpoint(endpoint):
        return _record_in_process(body)
    return _post(sagemaker_client, endpoint, body)


def _record_in_process(body: dict[str, Any]) -> bool:
    from moto.core.models import botocore_stubber
    from moto.sagemaker.exceptions import ResourceNotFound, ValidationError

    from modelops.local.execution_route import record

    if not botocore_stubber.enabled:
        return False
    try:
        record(body)
    except (ValidationError, ResourceNotFound) as exc:
        raise RecordingError(f"the embedded AWS refused the step records: {exc.message}") from None
    return True


def _post(sagemaker_client: Any, endpoint: str, body: dict[str, Any]) -> bool:
    data = json.dumps(body, default=lambda t: t.timestamp() if isinstance(t, datetime) else str(t)).encode()
    url = endpoint.rstrip("/") + ROUTE
    request = urllib.request.Request(
        url, data=data, method="POST", headers=_signed(sagemaker_client, url, data)
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
