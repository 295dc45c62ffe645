"""Read a shadow test's captured requests and responses, and pair production's predictions with the shadow's.

The record format is SageMaker's data capture format (developer guide, "Capture data from real-time
endpoint", "View Data Capture Data"): JSON Lines, one record per invocation, each
``{"captureData": {"endpointInput": {"data", "encoding", ...}, "endpointOutput": {...}}, "eventMetadata":
{"eventId", "inferenceTime", ...}, "eventVersion": "0"}``, ``encoding`` ``JSON``, ``CSV`` or ``BASE64``.
Endpoint data capture stores them under ``<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/``. For an inference
experiment's ``DataStorageConfig`` the reference is silent on the layout below ``Destination``; so a record's
variant is the path segment under ``Destination`` that names one of the experiment's variants, and records
whose path names neither are ignored (counted as unassigned).

Pairs are made on the same request: by ``eventMetadata.eventId`` when both records carry the same one, else by
the identical request body (a shadow receives a copy of the production request). This model answers
``{"predictions": [p1, ...]}``, one per row of the request; row i of one is compared with row i of the other.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from modelops.contract.names import SHADOW_VARIANT, VARIANT


@dataclass(frozen=True)
class CaptureRecord:
    variant: str
    event_id: str
    request: str
    predictions: tuple[float, ...] | None  # None: the response held no predictions (an error body)


@dataclass
class Captures:
    """What the capture files of one experiment hold, by variant."""

    records: dict[str, list[CaptureRecord]] = field(default_factory=dict)
    files: int = 0
    unreadable: int = 0  # lines that are not a capture record
    unassigned: int = 0  # records under no variant's path

    def pairs(self) -> list[tuple[float, float]]:
        """(production, shadow) predictions of the rows both variants answered, request by request."""
        shadow = self.records.get(SHADOW_VARIANT, [])
        by_event = {r.event_id: r for r in shadow if r.event_id}
        by_request: dict[str, list[CaptureRecord]] = {}
        for record in shadow:
            by_request.setdefault(record.request, []).append(record)
        paired: list[tuple[float, float]] = []
        for production in self.records.get(VARIANT, []):
            twin = by_event.get(production.event_id) if production.event_id else None
            if twin is None and by_request.get(production.request):
                twin = by_request[production.request].pop(0)
            if twin is None or production.predictions is None or twin.predictions is None:
                continue
            paired.extend(zip(production.predictions, twin.predictions, strict=False))
        return paired


def read_captures(s3: Any, destination: str) -> Captures:
    """Every capture record under ``destination`` (``s3://bucket/prefix``)."""
    bucket, _, prefix = destination.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    captures = Captures()
    for key in _keys(s3, bucket, prefix):
        variant = _variant_of(key[len(prefix) :])
        captures.files += 1
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8", "replace")
        for line in body.splitlines():
            if not line.strip():
                continue
            record = _record(line, variant)
            if record is None:
                captures.unreadable += 1
            elif not record.variant:
                captures.unassigned += 1
            else:
                captures.records.setdefault(record.variant, []).append(record)
    return captures


def _keys(s3: Any, bucket: str, prefix: str) -> Iterator[str]:
    request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        page = s3.list_objects_v2(**request)
        for item in page.get("Contents", []):
            yield str(item["Key"])
        if not page.get("IsTruncated"):
            return
        request["ContinuationToken"] = page["NextContinuationToken"]


def _variant_of(relative_key: str) -> str:
    segments = relative_key.split("/")[:-1]
    for name in (SHADOW_VARIANT, VARIANT):
        if name in segments:
            return name
    return ""


def _record(line: str, variant: str) -> CaptureRecord | None:
    try:
        raw = json.loads(line)
        data = raw["captureData"]
        request = _decoded(data["endpointInput"])
        response = _decoded(data.get("endpointOutput") or {})
    except (ValueError, KeyError, TypeError):
        return None
    metadata = raw.get("eventMetadata") or {}
    return CaptureRecord(variant, str(metadata.get("eventId") or ""), request, _predictions(response))


def _decoded(part: dict[str, Any]) -> str:
    data = str(part.get("data", ""))
    if str(part.get("encoding", "")).upper() == "BASE64":
        return base64.b64decode(data).decode("utf-8", "replace")
    return data


def _predictions(response: str) -> tuple[float, ...] | None:
    try:
        body = json.loads(response)
    except ValueError:
        return None
    values = body.get("predictions") if isinstance(body, dict) else body
    if not isinstance(values, list):
        return None
    try:
        return tuple(float(v) for v in values)
    except (TypeError, ValueError):
        return None
