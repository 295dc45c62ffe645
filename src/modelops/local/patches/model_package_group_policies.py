"""The ``model_package_group_policies`` patch: the resource policy of a model package group.

As the SageMaker API reference documents Put/Get/DeleteModelPackageGroupPolicy: ``ResourcePolicy`` is a JSON
policy document stored with the group; getting or deleting a policy the group does not have is a
ValidationException. moto 5.2.5 has none of the three operations. The document is stored as given and not
evaluated: IAM enforcement is not part of this patch.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from modelops.local.patches.patch import Patch, PatchGroup


def _group_policies(backend: Any) -> dict[str, str]:
    # Kept in the backend's __dict__ so moto's reset() forgets it with everything else.
    policies: dict[str, str] = backend.__dict__.setdefault("model_package_group_policies", {})
    return policies


def put_model_package_group_policy(self: Any, model_package_group_name: str, resource_policy: str) -> str:
    group = self.describe_model_package_group(model_package_group_name)
    try:
        document = json.loads(resource_policy)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"ResourcePolicy is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or "Statement" not in document:
        raise ValidationError("ResourcePolicy must be an IAM policy document with a Statement")
    _group_policies(self)[group.model_package_group_name] = resource_policy
    return str(group.arn)


def get_model_package_group_policy(self: Any, model_package_group_name: str) -> str:
    group = self.describe_model_package_group(model_package_group_name)
    policy = _group_policies(self).get(group.model_package_group_name)
    if policy is None:
        raise ValidationError(f"Cannot find resource policy for ModelPackageGroup {group.arn}.")
    return policy


def delete_model_package_group_policy(self: Any, model_package_group_name: str) -> None:
    group = self.describe_model_package_group(model_package_group_name)
    if _group_policies(self).pop(group.model_package_group_name, None) is None:
        raise ValidationError(f"Cannot find resource policy for ModelPackageGroup {group.arn}.")


def _put_policy_response(self: Any) -> ActionResult:
    arn = self.sagemaker_backend.put_model_package_group_policy(
        self._get_param("ModelPackageGroupName"), self._get_param("ResourcePolicy")
    )
    return ActionResult({"ModelPackageGroupArn": arn})


def _get_policy_response(self: Any) -> ActionResult:
    policy = self.sagemaker_backend.get_model_package_group_policy(self._get_param("ModelPackageGroupName"))
    return ActionResult({"ResourcePolicy": policy})


def _delete_policy_response(self: Any) -> EmptyResult:
    self.sagemaker_backend.delete_model_package_group_policy(self._get_param("ModelPackageGroupName"))
    return EmptyResult()


_REFERENCE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_{}.html"

GROUP = PatchGroup(
    name="model_package_group_policies",
    behaviour="a model package group holds a resource policy that can be put, read and deleted",
    operations=(
        "PutModelPackageGroupPolicy",
        "GetModelPackageGroupPolicy",
        "DeleteModelPackageGroupPolicy",
    ),
    references=(
        _REFERENCE.format("PutModelPackageGroupPolicy"),
        _REFERENCE.format("GetModelPackageGroupPolicy"),
        _REFERENCE.format("DeleteModelPackageGroupPolicy"),
    ),
    build=lambda: [
        Patch(SageMakerModelBackend, "put_model_package_group_policy", put_model_package_group_policy),
        Patch(SageMakerModelBackend, "get_model_package_group_policy", get_model_package_group_policy),
        Patch(SageMakerModelBackend, "delete_model_package_group_policy", delete_model_package_group_policy),
        Patch(SageMakerResponse, "put_model_package_group_policy", _put_policy_response),
        Patch(SageMakerResponse, "get_model_package_group_policy", _get_policy_response),
        Patch(SageMakerResponse, "delete_model_package_group_policy", _delete_policy_response),
    ],
)
