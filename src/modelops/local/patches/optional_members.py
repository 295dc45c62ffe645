"""The ``optional_members`` patch: Describe responses leave out an optional structure the resource does not have.

DescribeEndpoint and DescribeEndpointConfig document ``DataCaptureConfig`` as optional ("Required: No") with
required members (DataCaptureConfigSummary: ``EnableCapture``, ``CaptureStatus``,
``CurrentSamplingPercentage``, ``DestinationS3Uri``; DataCaptureConfig: ``InitialSamplingPercentage``,
``DestinationS3Uri``, ``CaptureOptions``); DescribeModel documents ``VpcConfig`` as optional with
``SecurityGroupIds`` and ``Subnets`` required. So a resource made without them is answered without the member
at all. moto 5.2.5 answers ``DataCaptureConfig: {}`` and ``VpcConfig: {}``, which botocore's output shapes (and
any client that reads ``response["VpcConfig"]["Subnets"]`` once the key is there) refuse.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.responses import SageMakerResponse

from modelops.local.patches.patch import Patch, PatchGroup


def without_empty(response: dict[str, Any], *members: str) -> dict[str, Any]:
    """``response`` without those of ``members`` that are present but empty (``{}``, ``[]``, ``None``)."""
    return {key: value for key, value in response.items() if key not in members or value}


# At the response, not in the backend: moto's own CreateEndpoint reads the config's DataCaptureConfig key.
def _describe_endpoint_response(self: Any) -> ActionResult:
    described = self.sagemaker_backend.describe_endpoint(self._get_param("EndpointName"))
    return ActionResult(without_empty(described, "DataCaptureConfig"))


def _describe_endpoint_config_response(self: Any) -> ActionResult:
    described = self.sagemaker_backend.describe_endpoint_config(self._get_param("EndpointConfigName"))
    return ActionResult(without_empty(described, "DataCaptureConfig"))


def _describe_model_response(self: Any) -> ActionResult:
    model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
    return ActionResult(without_empty(model.response_object, "VpcConfig"))


_REFERENCE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_{}.html"

GROUP = PatchGroup(
    name="optional_members",
    behaviour="DescribeEndpoint/DescribeEndpointConfig omit an absent DataCaptureConfig and DescribeModel an "
    "absent VpcConfig (moto answered {})",
    operations=("DescribeEndpoint", "DescribeEndpointConfig", "DescribeModel"),
    references=(
        _REFERENCE.format("DescribeEndpoint"),
        _REFERENCE.format("DataCaptureConfigSummary"),
        _REFERENCE.format("DescribeEndpointConfig"),
        _REFERENCE.format("DataCaptureConfig"),
        _REFERENCE.format("DescribeModel"),
        _REFERENCE.format("VpcConfig"),
    ),
    build=lambda: [
        Patch(SageMakerResponse, "describe_endpoint", _describe_endpoint_response),
        Patch(SageMakerResponse, "describe_endpoint_config", _describe_endpoint_config_response),
        Patch(SageMakerResponse, "describe_model", _describe_model_response),
    ],
)
