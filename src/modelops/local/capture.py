"""Data capture as SageMaker writes it: JSON Lines records of requests and responses in S3.

The developer guide, "Capture data from real-time endpoint" (model-monitor-data-capture-endpoint.html, "View
Captured Data"): captured data lands under "s3://{destination-bucket-prefix}/{endpoint-name}/{variant-name}/
yyyy/mm/dd/hh/filename.jsonl", "organized based on the hour when the invocation occurred", one record per
line::

    {"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                       "data": "...", "encoding": "CSV"},
                     "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT",
                                        "data": "...", "encoding": "CSV"}},
     "eventMetadata": {"eventId": "...", "inferenceTime": "2022-02-14T17:25:49Z"}, "eventVersion": "0"}

DataCaptureConfig.CaptureContentTypeHeader (API reference): content types listed as CSV or JSON are captured
as text with that encoding; "If no headers are specified SageMaker will by default base64 encode when capturing
the data" (encoding ``BASE64``). InvokeEndpoint's ``InferenceId`` "is added to the captured data"
(``eventMetadata.inferenceId``). ``CaptureOptions`` chooses the input, the output or both.

Where the guide is silent: the file name (``<minute>-<second>-<millisecond>-<uuid>.jsonl`` here) and how many
records a file holds (those the writer had when it flushed); a content type is matched by its media type,
parameters such as ``charset`` aside; a request that failed is not captured (there is no output); the copy a
shadow variant receives carries the production request's ``eventId``, so the two records of one request pair
up. The objects are written straight into the emulated S3 (SageMaker writes with its own service access, not
the caller's), SSE-KMS when the config names a key.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

_log = logging.getLogger(__name__)
EVENT_VERSION = "0"


@dataclass(frozen=True)
class Exchange:
    """One request a variant answered, as data capture records it."""

    event_id: str
    inference_id: str | None
    time: datetime  # naive UTC
    request: bytes
    request_type: str
    response: bytes
    response_type: str


def new_event_id() -> str:
    return str(uuid.uuid4())


def record(exchange: Exchange, capture: Mapping[str, Any]) -> str:
    """The JSON line SageMaker writes for one exchange under ``capture`` (a DataCaptureConfig)."""
    modes = {option.get("CaptureMode") for option in capture.get("CaptureOptions") or []}
    headers = capture.get("CaptureContentTypeHeader") or {}
    data: dict[str, Any] = {}
    if "Input" in modes:
        data["endpointInput"] = _payload(exchange.request, exchange.request_type, "INPUT", headers)
    if "Output" in modes:
        data["endpointOutput"] = _payload(exchange.response, exchange.response_type, "OUTPUT", headers)
    metadata = {"eventId": exchange.event_id, "inferenceTime": exchange.time.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if exchange.inference_id:
        metadata["inferenceId"] = exchange.inference_id
    return json.dumps(
        {"captureData": data, "eventMetadata": metadata, "eventVersion": EVENT_VERSION}, separators=(",", ":")
    )


def _payload(body: bytes, content_type: str, mode: str, headers: Mapping[str, Any]) -> dict[str, str]:
    media_type = content_type.split(";", 1)[0].strip().lower()
    listed = {
        encoding: {str(t).split(";", 1)[0].strip().lower() for t in headers.get(member) or []}
        for encoding, member in (("CSV", "CsvContentTypes"), ("JSON", "JsonContentTypes"))
    }
    encoding = next((name for name, types in listed.items() if media_type in types), "BASE64")
    text = base64.b64encode(body).decode() if encoding == "BASE64" else body.decode("utf-8", "replace")
    return {"observedContentType": content_type, "mode": mode, "data": text, "encoding": encoding}


def object_key(
    capture: Mapping[str, Any], endpoint_name: str, variant_name: str, at: datetime
) -> tuple[str, str]:
    """(bucket, key) of a capture file for records of this hour."""
    parsed = urlparse(str(capture["DestinationS3Uri"]))
    prefix = parsed.path.strip("/")
    folder = "/".join(
        part for part in (prefix, endpoint_name, variant_name, at.strftime("%Y/%m/%d/%H")) if part
    )
    name = f"{at.strftime('%M-%S')}-{at.microsecond // 1000:03d}-{uuid.uuid4()}.jsonl"
    return parsed.netloc, f"{folder}/{name}"


def write(account_id: str, capture: Mapping[str, Any], bucket: str, key: str, lines: list[str]) -> None:
    """One capture file into the emulated S3; a bucket that is not there is logged, as capture is best effort."""
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import s3_backends

    body = ("\n".join(lines) + "\n").encode()
    kms_key = capture.get("KmsKeyId")
    try:
        s3_backends[account_id]["aws"].put_object(
            bucket,
            key,
            body,
            encryption="aws:kms" if kms_key else None,
            kms_key_id=str(kms_key) if kms_key else None,
        )
    except MissingBucket:
        _log.warning("data capture: bucket %s does not exist; %d records dropped", bucket, len(lines))
