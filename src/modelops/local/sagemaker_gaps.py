"""Model-registry gaps of moto 5.2.5's SageMaker, filled as the SageMaker API reference documents them.

Measured gaps (DESIGN.md "The embedded AWS"): ``ModelLifeCycle`` accepted but never stored or returned;
``add_tags``/``list_tags``/``delete_tags`` crash on a model-package ARN (the ARN has two slashes); no model
package group policy calls; no ``DeleteModelPackage``; ``Search`` cannot filter on ``ModelLifeCycle.Stage``
and ignores ``MaxResults``, ``NextToken``, ``SortBy`` and ``SortOrder`` (``search_paging`` fills those).
Found while filling them: ``UpdateModelPackage`` replaces ``CustomerMetadataProperties`` and
``ApprovalDescription`` with whatever the call carries (wiping them when absent) where AWS merges, and
``AddTags`` appends a duplicate where AWS overwrites the tag with the same key.

Each patch is a method on moto's backend or response class, written as it could be offered upstream; every
model package create/update emits "SageMaker Model Package State Change". ``NATIVE`` keeps moto's own members
so the canary tests notice when moto starts implementing an API itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import ModelPackage, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from modelops.local import events, search_paging

_PATCHED_RESPONSES = (
    "create_model_package",
    "update_model_package",
    "delete_model_package",
    "put_model_package_group_policy",
    "get_model_package_group_policy",
    "delete_model_package_group_policy",
    "search",
)
_PATCHED_BACKEND = ("update_model_package", "add_tags", "_get_resource_from_arn", "search")

# moto's own members, captured before any patch (None: moto lacks it).
NATIVE: dict[str, Any] = {
    **{f"response.{name}": vars(SageMakerResponse).get(name) for name in _PATCHED_RESPONSES},
    **{f"backend.{name}": vars(SageMakerModelBackend).get(name) for name in _PATCHED_BACKEND},
    "ModelPackage.gen_response_object": vars(ModelPackage)["gen_response_object"],
}

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


def _emit_package_event(backend: Any, package: Any) -> None:
    detail = events.model_package_detail(package.gen_response_object())
    events.emit(
        events.MODEL_PACKAGE_STATE_CHANGE, backend.account_id, backend.region_name, [package.arn], detail
    )


def _find_package(backend: Any, name_or_arn: str) -> Any:
    key = backend.model_package_name_mapping.get(name_or_arn, name_or_arn)
    package = backend.model_packages.get(key)
    if package is None:
        raise ValidationError(f"Model package {name_or_arn} not found")
    return package


# --- ModelPackage -------------------------------------------------------------------------------------


def _package_response(self: Any) -> dict[str, Any]:
    response: dict[str, Any] = NATIVE["ModelPackage.gen_response_object"](self)
    life_cycle = getattr(self, "model_life_cycle", None)
    if life_cycle:
        response["ModelLifeCycle"] = life_cycle
    return response


# --- backend ------------------------------------------------------------------------------------------


def create_model_package_with_life_cycle(
    self: Any, model_life_cycle: dict[str, Any] | None = None, **kwargs: Any
) -> str:
    _validate_life_cycle(model_life_cycle)
    arn: str = self.create_model_package(**kwargs)
    package = self.model_packages[arn]
    package.model_life_cycle = model_life_cycle
    package.tags = package.tags or []
    _emit_package_event(self, package)
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
) -> str:
    """UpdateModelPackage: each field given changes; fields not given stay (AWS merges metadata)."""
    package = _find_package(self, model_package_arn)
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
    package.modifications_done()
    _emit_package_event(self, package)
    return package.arn


def delete_model_package(self: Any, model_package_name: str) -> None:
    package = _find_package(self, model_package_name)
    del self.model_packages[package.arn]
    for key in [k for k, v in self.model_package_name_mapping.items() if v == package.arn]:
        del self.model_package_name_mapping[key]


def _group_policies(self: Any) -> dict[str, str]:
    # Kept in the backend's __dict__ so moto's reset() forgets it with everything else.
    policies: dict[str, str] = self.__dict__.setdefault("model_package_group_policies", {})
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


def _get_resource_from_arn(self: Any, arn: str) -> Any:
    # A versioned package ARN is ".../model-package/<group>/<version>": moto's split on "/" crashed on it.
    if ":model-package/" in arn:
        package = self.model_packages.get(arn)
        if package is None:
            raise ValidationError(f"Could not find model-package with name {arn.split('/', 1)[1]}")
        package.tags = package.tags or []
        return package
    return NATIVE["backend._get_resource_from_arn"](self, arn)


def add_tags(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    """AddTags overwrites the value of a key that is already there (moto appended a duplicate)."""
    resource = self._get_resource_from_arn(arn)
    given = {tag["Key"]: tag for tag in tags}
    resource.tags = [t for t in resource.tags or [] if t["Key"] not in given] + list(given.values())
    return tags


def search(
    self: Any,
    resource: Any = None,
    search_expression: Any = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
    max_results: int | None = None,
    next_token: str | None = None,
) -> Any:
    """Search, plus filters on ``ModelLifeCycle.*`` for model packages, sorted and paged as SageMaker does."""
    sort_by, sort_order, max_results = search_paging.validate(sort_by, sort_order, max_results)
    filters = (search_expression or {}).get("Filters") or []
    ours = [f for f in filters if str(f.get("Name", "")).startswith("ModelLifeCycle.")]
    if resource != "ModelPackage" or not ours:
        result = NATIVE["backend.search"](self, resource=resource, search_expression=search_expression)
    else:
        rest = {**search_expression, "Filters": [f for f in filters if f not in ours]}
        result = NATIVE["backend.search"](self, resource=resource, search_expression=rest)
        result["Results"] = [
            r for r in result["Results"] if all(_matches(r["ModelPackage"], f) for f in ours)
        ]
    return search_paging.page(
        result["Results"],
        query=[resource, search_expression],
        sort_by=sort_by,
        sort_order=sort_order,
        max_results=max_results,
        next_token=next_token,
    )


def _matches(package: dict[str, Any], search_filter: dict[str, Any]) -> bool:
    field = search_filter["Name"].split(".", 1)[1]
    actual = (package.get("ModelLifeCycle") or {}).get(field)
    expected, operator = search_filter.get("Value"), search_filter.get("Operator", "Equals")
    if operator == "Equals":
        return bool(actual == expected)
    if operator == "NotEquals":
        return bool(actual != expected)
    if operator == "Contains":
        return actual is not None and str(expected) in actual
    raise ValidationError(f"Operator {operator} is not supported on {search_filter['Name']}")


# --- responses ----------------------------------------------------------------------------------------


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
    )
    return ActionResult({"ModelPackageArn": arn})


def _delete_model_package_response(self: Any) -> EmptyResult:
    self.sagemaker_backend.delete_model_package(self._get_param("ModelPackageName"))
    return EmptyResult()


def _put_policy_response(self: Any) -> ActionResult:
    arn = self.sagemaker_backend.put_model_package_group_policy(
        self._get_param("ModelPackageGroupName"), self._get_param("ResourcePolicy")
    )
    return ActionResult({"ModelPackageGroupArn": arn})


def _get_policy_response(self: Any) -> ActionResult:
    policy = self.sagemaker_backend.get_model_package_group_policy(self._get_param("ModelPackageGroupName"))
    return ActionResult({"ResourcePolicy": policy})


def _search_response(self: Any) -> ActionResult:
    return ActionResult(
        self.sagemaker_backend.search(
            resource=self._get_param("Resource"),
            search_expression=self._get_param("SearchExpression"),
            sort_by=self._get_param("SortBy"),
            sort_order=self._get_param("SortOrder"),
            max_results=self._get_param("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
    )


def _delete_policy_response(self: Any) -> EmptyResult:
    self.sagemaker_backend.delete_model_package_group_policy(self._get_param("ModelPackageGroupName"))
    return EmptyResult()


_BACKEND_METHODS: dict[str, Callable[..., Any]] = {
    "update_model_package": update_model_package,
    "delete_model_package": delete_model_package,
    "put_model_package_group_policy": put_model_package_group_policy,
    "get_model_package_group_policy": get_model_package_group_policy,
    "delete_model_package_group_policy": delete_model_package_group_policy,
    "_get_resource_from_arn": _get_resource_from_arn,
    "add_tags": add_tags,
    "search": search,
}
_RESPONSE_METHODS: dict[str, Callable[..., Any]] = {
    "create_model_package": _create_model_package_response,
    "update_model_package": _update_model_package_response,
    "delete_model_package": _delete_model_package_response,
    "put_model_package_group_policy": _put_policy_response,
    "get_model_package_group_policy": _get_policy_response,
    "delete_model_package_group_policy": _delete_policy_response,
    "search": _search_response,
}


def apply() -> None:
    """Install the patches (idempotent)."""
    for name, function in _BACKEND_METHODS.items():
        setattr(SageMakerModelBackend, name, function)
    for name, function in _RESPONSE_METHODS.items():
        setattr(SageMakerResponse, name, function)
    setattr(ModelPackage, "gen_response_object", _package_response)  # noqa: B010 - mypy forbids assigning a method
