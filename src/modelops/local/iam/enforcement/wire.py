"""A request as moto received it, read back into what the SDK sent: the service, the operation and its
parameters (the botocore model's member names), and the access key that signed it.

moto's own request parsers (``moto.core.parse``, the inverse of botocore's serializers) do the protocol
work, so a query-protocol SNS call, a JSON SageMaker call and a REST S3 call all come out as the parameters
``boto3`` was given. The same reading serves the in-process emulator and the loopback server: both end in
moto's response classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/,\s]+)/")
_REST = ("rest-json", "rest-xml")


@dataclass(frozen=True)
class WireCall:
    service: str  # botocore's service name: sagemaker, sagemaker-runtime, s3, sns, ...
    operation: str  # the API operation: UpdateModelPackage, PutObject, Publish, ...
    params: dict[str, Any]
    protocol: str  # the protocol the request came in (json, query, rest-json, rest-xml)
    access_key: str | None  # None: the request was not SigV4-signed in the header form


def read(response: Any) -> WireCall:
    """Read the call a moto ``BaseResponse`` is about to serve (after its ``setup_class``)."""
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    from moto.core.routing import get_service_router
    from moto.core.utils import get_service_model

    service = response.boto3_service_name
    model = get_service_model(service)
    request = response.normalized_request
    if model.protocol in _REST:
        operation, uri_params = get_service_router(service).match(request)
    else:
        operation, uri_params = model.operation_model(response._get_action()), {}
    protocol = determine_request_protocol(model, request.content_type)
    parser = PROTOCOL_PARSERS[protocol](operation)
    params = parser.parse(
        {
            "method": request.method,
            "values": request.values,
            "headers": request.headers,
            "body": request.get_data(),
            "url_path": request.path,
            "url_params": uri_params,
        }
    )
    return WireCall(service, operation.name, dict(params), protocol, access_key(request.headers))


def access_key(headers: Any) -> str | None:
    match = _CREDENTIAL.search(str(headers.get("Authorization", "")))
    return match["key"] if match else None
