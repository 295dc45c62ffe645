"""The ``model_package_groups`` patch: DescribeModelPackageGroup's CreatedBy, and DeleteModelPackageGroup.

DescribeModelPackageGroup (API reference) requires ``CreatedBy`` (a UserContext) in its output; moto 5.2.5
records one for every group and leaves it out of the answer. DeleteModelPackageGroup "deletes the specified
model group" and lists ``ConflictException`` (HTTP 400) as its error; moto has no such operation (the call
raised NotImplementedError, an HTTP 500). The reference does not say which conflicts refuse the deletion: this
patch refuses a group that still holds model package versions, which is what the documented error names (a
conflict with another entity) and what keeps a version from outliving its group; deleting the versions
(DeleteModelPackage) first lets it go. A group that does not exist is a ValidationException, the words
DescribeModelPackageGroup uses. The group's resource policy goes with it.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ConflictException
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from modelops.local.patches.patch import Patch, PatchGroup


def group_name(name_or_arn: str) -> str:
    """The group's name: the reference accepts the name or the group's ARN."""
    return name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn


def delete_model_package_group(self: Any, model_package_group_name: str) -> None:
    group = self.describe_model_package_group(group_name(model_package_group_name))
    name = group.model_package_group_name
    versions = [p for p in self.model_packages.values() if p.model_package_group_name == name]
    if versions:
        raise ConflictException(
            f"Model package group {group.arn} still holds {len(versions)} model package version(s); delete "
            "them first."
        )
    del self.model_package_groups[name]
    self.__dict__.get("model_package_group_policies", {}).pop(name, None)
    # The group name mapped to its latest version: moto's name lookups must not find the deleted group's.
    self.model_package_name_mapping.pop(name, None)


def _describe_model_package_group_response(self: Any) -> ActionResult:
    group = self.sagemaker_backend.describe_model_package_group(
        group_name(self._get_param("ModelPackageGroupName"))
    )
    return ActionResult({**group.gen_response_object(), "CreatedBy": group.created_by})


def _delete_model_package_group_response(self: Any) -> EmptyResult:
    self.sagemaker_backend.delete_model_package_group(self._get_param("ModelPackageGroupName"))
    return EmptyResult()


_REFERENCE = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_{}.html"

GROUP = PatchGroup(
    name="model_package_groups",
    behaviour="DescribeModelPackageGroup answers CreatedBy; DeleteModelPackageGroup deletes an empty group and "
    "refuses one that still holds versions (ConflictException)",
    operations=("DescribeModelPackageGroup", "DeleteModelPackageGroup"),
    references=(_REFERENCE.format("DescribeModelPackageGroup"), _REFERENCE.format("DeleteModelPackageGroup")),
    build=lambda: [
        Patch(SageMakerModelBackend, "delete_model_package_group", delete_model_package_group),
        Patch(SageMakerResponse, "describe_model_package_group", _describe_model_package_group_response),
        Patch(SageMakerResponse, "delete_model_package_group", _delete_model_package_group_response),
    ],
)
