"""The ``data_capture`` patch: DescribeEndpoint answers an endpoint's data capture as a DataCaptureConfigSummary.

DescribeEndpoint (API reference) answers ``DataCaptureConfig`` as a ``DataCaptureConfigSummary``:
``EnableCapture``, ``CaptureStatus`` ("Whether data capture is currently functional": ``Started`` or
``Stopped``), ``CurrentSamplingPercentage``, ``DestinationS3Uri`` and ``KmsKeyId``, all required. moto 5.2.5
copies the endpoint config's ``DataCaptureConfig`` request member instead, which botocore's output shape
refuses. The reference does not say what ``KmsKeyId`` holds for a config that names no key: the empty string
here (the shape's minimum length is 0). The capture itself is ``modelops.local.capture``'s.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.models import SageMakerModelBackend

from modelops.local.patches.patch import Patch, PatchGroup


def summary(config: dict[str, Any] | None) -> dict[str, Any]:
    """An endpoint config's DataCaptureConfig as DescribeEndpoint summarizes it ({} without one)."""
    if not config:
        return {}
    enabled = config.get("EnableCapture", True) is not False
    return {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": int(config.get("InitialSamplingPercentage", 0)),
        "DestinationS3Uri": str(config.get("DestinationS3Uri", "")),
        "KmsKeyId": str(config.get("KmsKeyId") or ""),
    }


def create_endpoint(
    original: Any, self: Any, endpoint_name: str, endpoint_config_name: str, tags: list[dict[str, str]]
) -> Any:
    endpoint = original(self, endpoint_name, endpoint_config_name, tags)
    endpoint.data_capture_config = summary(self.endpoint_configs[endpoint_config_name].data_capture_config)
    return endpoint


GROUP = PatchGroup(
    name="data_capture",
    behaviour="DescribeEndpoint answers DataCaptureConfig as a DataCaptureConfigSummary (moto copied the "
    "config's request member)",
    operations=("DescribeEndpoint",),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DataCaptureConfigSummary.html",
    ),
    build=lambda: [Patch(SageMakerModelBackend, "create_endpoint", create_endpoint, wraps=True)],
)
