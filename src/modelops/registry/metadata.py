"""Turning a new version's metadata into the CustomerMetadataProperties SageMaker stores, checked first.

SageMaker caps the map at 50 entries, keys at 128 and values at 256 characters, and allows only letters,
digits, spaces and ``_.:/=+-@``; botocore does not check these, so a bad value would fail at the API with a
less helpful message. Metrics are stored with ``repr`` so they read back as exactly the same float.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

from modelops import lifecycle
from modelops.registry.errors import InvalidMetadataError

MAX_ENTRIES: Final = 50
MAX_KEY: Final = 128
MAX_VALUE: Final = 256
_ALLOWED: Final = re.compile(r"^[\w\s.:/=+\-@]*$")  # \w covers Unicode letters and digits, as \p{L}\p{N} do


def customer_metadata(
    *,
    code_commit: str | None,
    data_version: str | None,
    hyperparameters: Mapping[str, Any],
    metrics: Mapping[str, float],
    properties: Mapping[str, str],
) -> dict[str, str]:
    """The flat CustomerMetadataProperties map for a new version; raises :class:`InvalidMetadataError`."""
    entries: dict[str, str] = {}
    for key, value in properties.items():
        if key.startswith((lifecycle.META_METRIC_PREFIX, lifecycle.META_HYPERPARAMETER_PREFIX)):
            raise InvalidMetadataError(
                f"property {key!r}: pass metrics and hyperparameters by their own arguments"
            )
        entries[key] = value
    if code_commit is not None:
        entries[lifecycle.META_CODE_COMMIT] = code_commit
    if data_version is not None:
        entries[lifecycle.META_DATA_VERSION] = data_version
    for name, value in hyperparameters.items():
        entries[lifecycle.META_HYPERPARAMETER_PREFIX + name] = str(value)
    for name, metric in metrics.items():
        entries[lifecycle.META_METRIC_PREFIX + name] = _metric_text(name, metric)
    if len(entries) > MAX_ENTRIES:
        raise InvalidMetadataError(
            f"{len(entries)} metadata entries; SageMaker keeps at most {MAX_ENTRIES} per version "
            "(record fewer hyperparameters or metrics)"
        )
    for key, value in entries.items():
        _check(key, value)
    return entries


def inference_specification(
    *,
    image: str,
    model_data_url: str,
    content_types: tuple[str, ...],
    response_types: tuple[str, ...],
    instance_types: tuple[str, ...],
) -> dict[str, Any]:
    for name, value in (("image", image), ("model_data_url", model_data_url)):
        if not value or not value.strip():
            raise InvalidMetadataError(f"{name} is required to register a version that can be deployed")
    if not model_data_url.startswith("s3://"):
        raise InvalidMetadataError(f"model_data_url must be an s3:// URI; got {model_data_url!r}")
    spec: dict[str, Any] = {
        "Containers": [{"Image": image, "ModelDataUrl": model_data_url}],
        "SupportedContentTypes": list(content_types),
        "SupportedResponseMIMETypes": list(response_types),
    }
    if instance_types:
        spec["SupportedRealtimeInferenceInstanceTypes"] = list(instance_types)
    return spec


def _metric_text(name: str, metric: float) -> str:
    if isinstance(metric, bool) or not isinstance(metric, int | float):
        raise InvalidMetadataError(f"metric {name!r} must be a number; got {metric!r}")
    if not math.isfinite(metric):
        raise InvalidMetadataError(f"metric {name!r} must be finite; got {metric!r}")
    return repr(float(metric))


def _check(key: str, value: str) -> None:
    if not key or len(key) > MAX_KEY or not _ALLOWED.match(key):
        raise InvalidMetadataError(
            f"metadata key {key!r}: 1-{MAX_KEY} characters of letters, digits, spaces and _.:/=+-@"
        )
    if not value or len(value) > MAX_VALUE or not _ALLOWED.match(value):
        raise InvalidMetadataError(
            f"metadata {key!r}={value!r}: the value must be 1-{MAX_VALUE} characters of letters, digits, "
            "spaces and _.:/=+-@"
        )
