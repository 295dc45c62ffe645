"""The ``shadow_variants`` patch: endpoint configs keep ``ShadowProductionVariants``, endpoints report them.

CreateEndpointConfig (API reference): ``ShadowProductionVariants`` is "an array of ProductionVariant objects,
one for each model that you want to host at this endpoint in shadow mode with production traffic replicated
from the model specified on ProductionVariants. If you use this field, you can only specify one variant for
ProductionVariants and one variant for ShadowProductionVariants." The developer guide ("Shadow variants",
model-shadow-deployment.html; "Create a shadow test": "SageMaker AI supports a maximum of one shadow variant
per endpoint. For an endpoint with a shadow variant, there can be a maximum of one production variant") says
the same. DescribeEndpointConfig answers the list as given; DescribeEndpoint answers it as
``ProductionVariantSummary`` objects, like ``ProductionVariants``.

moto 5.2.5 drops the member on CreateEndpointConfig, so a shadow variant silently never existed. Where the
reference is silent: a shadow variant's name equal to the production variant's is refused here (a variant is
addressed by its name: TargetVariant, the ``VariantName`` metric dimension, data capture's S3 path), and a
shadow's model must exist, as moto checks a production variant's. How much traffic a shadow variant of a plain
endpoint config receives is not documented either (the reference documents ``SamplingPercentage`` only on
inference experiments): ``modelops.local.shadow_traffic`` replicates every request then.
"""

from __future__ import annotations

from typing import Any, cast

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import FakeEndpointConfig, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from modelops.local.patches.patch import Patch, PatchGroup

SHADOW_ATTRIBUTE = "shadow_production_variants"  # serialized by moto as ShadowProductionVariants


def shadow_variants_of(resource: Any) -> list[dict[str, Any]]:
    """The shadow variants an endpoint config (as given) or an endpoint (as summaries) holds, [] if none."""
    return list(getattr(resource, SHADOW_ATTRIBUTE, None) or [])


def validate(backend: Any, production: list[dict[str, Any]], shadows: list[dict[str, Any]]) -> None:
    """The ValidationException SageMaker answers for shadow variants it does not allow."""
    if not shadows:
        return
    if len(shadows) > 1:
        raise ValidationError(
            f"ShadowProductionVariants holds {len(shadows)} variants; an endpoint config can have at most "
            "one shadow variant."
        )
    if len(production) != 1:
        raise ValidationError(
            f"An endpoint config with a shadow variant can have only one production variant; "
            f"ProductionVariants holds {len(production)}."
        )
    shadow = shadows[0]
    if shadow.get("VariantName") == production[0].get("VariantName"):
        raise ValidationError(
            f"The shadow variant's name {shadow.get('VariantName')!r} is the production variant's; "
            "variant names must differ."
        )
    # The production variants' own checks (an instance type or a serverless config; the model exists). moto's
    # instance-type check reads nothing of the config it is called on, so a bare instance serves it.
    bare: Any = object.__new__(cast(Any, FakeEndpointConfig))
    bare.validate_production_variants(shadows)
    backend.validate_production_variants(shadows)


def _create_endpoint_config_response(self: Any) -> ActionResult:
    backend = self.sagemaker_backend
    production = self._get_param("ProductionVariants") or []
    shadows = self._get_param("ShadowProductionVariants") or []
    validate(backend, production, shadows)
    config = backend.create_endpoint_config(
        endpoint_config_name=self._get_param("EndpointConfigName"),
        async_inference_config=self._get_param("AsyncInferenceConfig"),
        production_variants=production,
        data_capture_config=self._get_param("DataCaptureConfig"),
        tags=self._get_param("Tags"),
        kms_key_id=self._get_param("KmsKeyId"),
    )
    setattr(config, SHADOW_ATTRIBUTE, shadows or None)  # None: moto's response leaves the member out
    return ActionResult({"EndpointConfigArn": config.endpoint_config_arn})


def carry_shadow_variants(endpoint: Any, config: Any) -> None:
    """Give the endpoint its config's shadow variants as DescribeEndpoint summarizes them (or none)."""
    shadows = shadow_variants_of(config)
    summaries = endpoint._process_production_variants(shadows) if shadows else None
    setattr(endpoint, SHADOW_ATTRIBUTE, summaries)


def create_endpoint(
    original: Any, self: Any, endpoint_name: str, endpoint_config_name: str, tags: list[dict[str, str]]
) -> Any:
    endpoint = original(self, endpoint_name, endpoint_config_name, tags)
    carry_shadow_variants(endpoint, self.endpoint_configs[endpoint_config_name])
    return endpoint


GROUP = PatchGroup(
    name="shadow_variants",
    behaviour="CreateEndpointConfig keeps ShadowProductionVariants (at most one, beside one production "
    "variant); DescribeEndpointConfig and DescribeEndpoint report them (moto dropped them)",
    operations=("CreateEndpointConfig", "DescribeEndpointConfig", "CreateEndpoint", "DescribeEndpoint"),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/model-shadow-deployment.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests-create.html",
    ),
    build=lambda: [
        Patch(SageMakerResponse, "create_endpoint_config", _create_endpoint_config_response),
        Patch(SageMakerModelBackend, "create_endpoint", create_endpoint, wraps=True),
    ],
)
