"""The ``unique_names`` patch: CreateModel and CreateEndpointConfig refuse a name that already exists.

The API reference says the model name and the endpoint config name "must be unique within an AWS Region in
your AWS account", as the endpoint name must be (CreateEndpoint: "The endpoint name must be unique within an
AWS Region in your AWS account"), and SageMaker answers a duplicate with ``ValidationException: Cannot create
already existing model "<arn>".`` (the same words for "endpoint configuration"). moto 5.2.5 overwrites both
instead, so a deployer that took "already exists" to mean "the same thing" could never be caught locally
serving someone else's model. CreateEndpoint's refusal lives in the ``endpoints`` group, with its statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from modelops.local.patches.patch import Patch, PatchGroup


def _refusing(existing: str, word: str, kind: str, argument: str) -> Callable[..., Any]:
    def create(original: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
        name = kwargs[argument] if argument in kwargs else args[0]
        if name in getattr(self, existing):
            # SageMaker ARNs carry the name in lower case.
            arn = f"arn:aws:sagemaker:{self.region_name}:{self.account_id}:{kind}/{str(name).lower()}"
            raise ValidationError(f'Cannot create already existing {word} "{arn}".')
        return original(self, *args, **kwargs)

    return create


GROUP = PatchGroup(
    name="unique_names",
    behaviour="CreateModel and CreateEndpointConfig refuse an existing name (moto overwrote it)",
    operations=("CreateModel", "CreateEndpointConfig"),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpointConfig.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html",
    ),
    build=lambda: [
        Patch(
            SageMakerModelBackend,
            "create_model",
            _refusing("_models", "model", "model", "model_name"),
            wraps=True,
        ),
        Patch(
            SageMakerModelBackend,
            "create_endpoint_config",
            _refusing(
                "endpoint_configs", "endpoint configuration", "endpoint-config", "endpoint_config_name"
            ),
            wraps=True,
        ),
    ],
)
