"""The ``model_packages`` patch: model package versions with ``ModelLifeCycle``, merged updates, deletion, events.

As the SageMaker API reference documents them (CreateModelPackage, UpdateModelPackage, DescribeModelPackage,
DeleteModelPackage, and the ``ModelLifeCycle`` structure): ``ModelLifeCycle {Stage, StageStatus,
StageDescription}`` is stored and returned, ``Stage`` and ``StageStatus`` required; an update changes only
the fields the call carries and merges ``CustomerMetadataProperties`` (minus
``CustomerMetadataPropertiesToRemove``); every create and update emits "SageMaker Model Package State Change"
(developer guide, "Events that Amazon SageMaker sends to Amazon EventBridge").

A version number is never handed out twice: the developer guide ("Model Registry Models, Model Versions, and
Model Groups") says the version "starts at 1 and is incremented with each new model package added to a Model
Group", so after deleting v1 of v1..v2 the next is v3, and a deleted version stays deleted (DescribeModelPackage
of its ARN is a ValidationException). A versioned package's ``ModelPackageName`` (required in
DescribeModelPackage's output) is its group's name; the reference says only "the name of the model package".

moto 5.2.5 accepts ``ModelLifeCycle`` but never stores or returns it, replaces ``CustomerMetadataProperties``
and ``ApprovalDescription`` with whatever the update carries (wiping them when absent), has no
``DeleteModelPackage``, emits no events, leaves ``ModelPackageName`` out of a versioned package's answer and
numbers a new version from the count of the group's packages (after a deletion, the ARN of a live version:
moto then replaced that version with the new package), and ignores an update's ``InferenceSpecification``.
The reference lists that member for UpdateModelPackage ("Specifies details about inference jobs that you can
run with models based on this model package") and states no restriction on when it may be sent (approval
status, stage): none is emulated; the given specification replaces the stored one.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import ModelPackage, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from modelops.local import events
from modelops.local.patches.patch import Patch, PatchGroup

_CREATE_PARAMS = (
    "ModelPackageName",
    "ModelPackageGroupName",
    "ModelPackageDescription",
    "InferenceSpecification",
    "ValidationSpecification",
    "SourceAlgorithmSpecification",
    "Tags",
    "ModelApprovalStatus",
    "MetadataProperties",
    "ModelMetrics",
    "ClientToken",
    "CustomerMetadataProperties",
    "DriftCheckBaselines",
    "Domain",
    "Task",
    "SamplePayloadUrl",
    "AdditionalInferenceSpecifications",
)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")


def _validate_life_cycle(life_cycle: dict[str, Any] | None) -> None:
    if life_cycle is None:
        return
    for key in ("Stage", "StageStatus"):
        value = life_cycle.get(key)
        if not isinstance(value, str) or not value:
            raise ValidationError(
                f"1 validation error detected: Value null at 'modelLifeCycle.{key[0].lower()}{key[1:]}' "
                "failed to satisfy constraint: Member must not be null"
            )


def _emit_package_event(backend: Any, package: Any, updated_fields: list[str] | None = None) -> None:
    detail = events.model_package_detail(package.gen_response_object(), updated_fields)
    events.emit(
        events.MODEL_PACKAGE_STATE_CHANGE, backend.account_id, backend.region_name, [package.arn], detail
    )


def find_package(backend: Any, name_or_arn: str) -> Any:
    """The model package named (or ARN'd) so, or the ValidationException SageMaker answers."""
    key = backend.model_package_name_mapping.get(name_or_arn, name_or_arn)
    package = backend.model_packages.get(key)
    if package is None:
        raise ValidationError(f"Model package {name_or_arn} not found")
    return package


def package_response(original: Any, self: Any) -> dict[str, Any]:
    """DescribeModelPackage (and every Search record of a package): moto's answer plus ModelLifeCycle."""
    response: dict[str, Any] = original(self)
    response.setdefault("ModelPackageName", self.model_package_name)  # the group's name when versioned
    life_cycle = getattr(self, "model_life_cycle", None)
    if life_cycle:
        response["ModelLifeCycle"] = life_cycle
    return response


def _next_version(backend: Any, group: Any) -> int:
    """One more than any version the group has ever had, deleted ones included."""
    live = [
        p.model_package_version or 0
        for p in backend.model_packages.values()
        if p.model_package_group_name == group.model_package_group_name
    ]
    # Kept on the group object, so moto's reset() and a deleted group's end forget it with the group.
    group.latest_version = max([getattr(group, "latest_version", 0), *live]) + 1
    return int(group.latest_version)


def create_model_package(original: Any, self: Any, **kwargs: Any) -> str:
    """CreateModelPackage: a versioned package takes the group's next never-used version number."""
    group = self.model_package_groups.get(kwargs.get("model_package_group_name") or "")
    if group is None or kwargs.get("model_package_name"):
        return str(original(self, **kwargs))  # moto's own refusals (both names, neither, no such group)
    fields = {key: value for key, value in kwargs.items() if key != "model_package_name"}
    package = ModelPackage(
        model_package_name=group.model_package_group_name,
        model_package_version=_next_version(self, group),
        approval_description=None,
        region_name=self.region_name,
        account_id=self.account_id,
        model_package_type="Versioned",
        **fields,
    )
    # moto's bookkeeping, as its own create does: the group name resolves to the newest version.
    self.model_package_name_mapping[package.model_package_name] = package.arn
    self.model_package_name_mapping[package.arn] = package.arn
    self.model_packages[package.arn] = package
    return str(package.arn)


def create_model_package_with_life_cycle(
    backend: Any, model_life_cycle: dict[str, Any] | None = None, **kwargs: Any
) -> str:
    _validate_life_cycle(model_life_cycle)
    arn: str = backend.create_model_package(**kwargs)
    package = backend.model_packages[arn]
    package.model_life_cycle = model_life_cycle
    package.tags = package.tags or []
    _emit_package_event(backend, package)
    return arn


def update_model_package(
    self: Any,
    model_package_arn: str,
    model_approval_status: str | None = None,
    approval_description: str | None = None,
    customer_metadata_properties: dict[str, str] | None = None,
    customer_metadata_properties_to_remove: list[str] | None = None,
    additional_inference_specifications_to_add: list[Any] | None = None,
    model_life_cycle: dict[str, Any] | None = None,
    inference_specification: dict[str, Any] | None = None,
) -> str:
    """UpdateModelPackage: each field given changes; fields not given stay (AWS merges metadata)."""
    package = find_package(self, model_package_arn)
    _validate_life_cycle(model_life_cycle)
    overlap = set(customer_metadata_properties or {}) & set(customer_metadata_properties_to_remove or [])
    if overlap:
        raise ValidationError(
            f"CustomerMetadataProperties and CustomerMetadataPropertiesToRemove share keys: {sorted(overlap)}"
        )
    if model_approval_status is not None:
        package.set_model_approval_status(model_approval_status)
    if approval_description is not None:
        package.approval_description = approval_description
    if customer_metadata_properties or customer_metadata_properties_to_remove:
        merged = dict(package.customer_metadata_properties or {})
        merged.update(customer_metadata_properties or {})
        for key in customer_metadata_properties_to_remove or []:
            merged.pop(key, None)
        package.customer_metadata_properties = merged
    if additional_inference_specifications_to_add:
        package.add_additional_inference_specifications(additional_inference_specifications_to_add)
    if model_life_cycle is not None:
        package.model_life_cycle = model_life_cycle
    if inference_specification is not None:
        package.inference_specification = inference_specification
    package.modifications_done()
    given = {
        "ModelApprovalStatus": model_approval_status is not None,
        "ApprovalDescription": approval_description is not None,
        "CustomerMetadataProperties": bool(
            customer_metadata_properties or customer_metadata_properties_to_remove
        ),
        "AdditionalInferenceSpecifications": bool(additional_inference_specifications_to_add),
        "ModelLifeCycle": model_life_cycle is not None,
        "InferenceSpecification": inference_specification is not None,
    }
    _emit_package_event(self, package, [name for name, changed in given.items() if changed])
    return str(package.arn)


def delete_model_package(self: Any, model_package_name: str) -> None:
    package = find_package(self, model_package_name)
    del self.model_packages[package.arn]
    for key in [k for k, v in self.model_package_name_mapping.items() if v == package.arn]:
        del self.model_package_name_mapping[key]


def _create_model_package_response(self: Any) -> ActionResult:
    kwargs = {_snake(name): self._get_param(name) for name in _CREATE_PARAMS}
    kwargs["certify_for_marketplace"] = self._get_param("CertifyForMarketplace", False)
    arn = create_model_package_with_life_cycle(
        self.sagemaker_backend, model_life_cycle=self._get_param("ModelLifeCycle"), **kwargs
    )
    return ActionResult({"ModelPackageArn": arn})


def _update_model_package_response(self: Any) -> ActionResult:
    arn = self.sagemaker_backend.update_model_package(
        model_package_arn=self._get_param("ModelPackageArn"),
        model_approval_status=self._get_param("ModelApprovalStatus"),
        approval_description=self._get_param("ApprovalDescription"),
        customer_metadata_properties=self._get_param("CustomerMetadataProperties"),
        customer_metadata_properties_to_remove=self._get_param("CustomerMetadataPropertiesToRemove"),
        additional_inference_specifications_to_add=self._get_param("AdditionalInferenceSpecificationsToAdd"),
        model_life_cycle=self._get_param("ModelLifeCycle"),
        inference_specification=self._get_param("InferenceSpecification"),
    )
    return ActionResult({"ModelPackageArn": arn})


def _delete_model_package_response(self: Any) -> EmptyResult:
    self.sagemaker_backend.delete_model_package(self._get_param("ModelPackageName"))
    return EmptyResult()


GROUP = PatchGroup(
    name="model_packages",
    behaviour="model package versions store and return ModelLifeCycle, updates merge, packages can be "
    "deleted, a version number is never reused, every create/update emits SageMaker Model Package State Change",
    operations=("CreateModelPackage", "UpdateModelPackage", "DescribeModelPackage", "DeleteModelPackage"),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeModelPackage.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteModelPackage.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelLifeCycle.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/model-registry-models.html",
    ),
    build=lambda: [
        Patch(SageMakerModelBackend, "create_model_package", create_model_package, wraps=True),
        Patch(ModelPackage, "gen_response_object", package_response, wraps=True),
        Patch(SageMakerModelBackend, "update_model_package", update_model_package),
        Patch(SageMakerModelBackend, "delete_model_package", delete_model_package),
        Patch(SageMakerResponse, "create_model_package", _create_model_package_response),
        Patch(SageMakerResponse, "update_model_package", _update_model_package_response),
        Patch(SageMakerResponse, "delete_model_package", _delete_model_package_response),
    ],
)
