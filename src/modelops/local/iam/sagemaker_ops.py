"""SageMaker operations -> what IAM authorizes (service authorization reference, "Amazon SageMaker";
SageMaker API permissions reference). Names in SageMaker ARNs are lower-cased."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from modelops.local.iam.context import Call, ContextValue


def _package_request(p: Mapping[str, Any]) -> dict[str, ContextValue]:
    """The ModelPackage keys a Create/UpdateModelPackage request carries."""
    keys: dict[str, ContextValue] = {}
    if "ModelApprovalStatus" in p:
        keys["sagemaker:ModelApprovalStatus"] = p["ModelApprovalStatus"]
    life = p.get("ModelLifeCycle") or {}
    if "Stage" in life:
        keys["sagemaker:ModelLifeCycle:Stage"] = life["Stage"]
    if "StageStatus" in life:
        keys["sagemaker:ModelLifeCycle:StageStatus"] = life["StageStatus"]
    for key, value in (p.get("CustomerMetadataProperties") or {}).items():
        keys[f"sagemaker:CustomerMetadataProperties/{key}"] = value
    if p.get("CustomerMetadataPropertiesToRemove"):
        keys["sagemaker:CustomerMetadataPropertiesToRemove"] = tuple(p["CustomerMetadataPropertiesToRemove"])
    return keys


def _tagged_create(
    c: Call, action: str, resource: str, extra: Mapping[str, ContextValue] | None = None
) -> None:
    tags = c.tags(c.params.get("Tags"))
    c.add(action, resource, {**tags, **(extra or {})})
    if tags:  # SageMaker needs sagemaker:AddTags too when a create request carries tags
        c.add("sagemaker:AddTags", resource, tags)


def _pass_role(c: Call, role_arn: str, service: str, associated: str | None = None) -> None:
    keys: dict[str, ContextValue] = {"iam:PassedToService": service}
    if associated:
        keys["iam:AssociatedResourceArn"] = associated
    c.add("iam:PassRole", role_arn, keys)


def _create_model_package(c: Call) -> None:
    p = c.params
    group = p.get("ModelPackageGroupName")
    name = f"{group}/{c.target.next_version}" if group else p["ModelPackageName"]
    _tagged_create(c, "sagemaker:CreateModelPackage", c.sagemaker("model-package", name), _package_request(p))


def _update_model_package(c: Call) -> None:
    arn = c.params["ModelPackageArn"]
    c.add("sagemaker:UpdateModelPackage", arn, {**c.stored(package=True), **_package_request(c.params)})


def _on_package(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        c.add(action, c.sagemaker("model-package", c.params["ModelPackageName"]), c.stored(package=True))

    return build


def _list_model_packages(c: Call) -> None:
    # The API permissions reference gives model-package/<name> for ListModelPackages (its general note says
    # List calls take no resource-level permission): a group filter is the group's package namespace.
    group = c.params.get("ModelPackageGroupName")
    c.add("sagemaker:ListModelPackages", c.sagemaker("model-package", f"{group}/*") if group else "*")


def _create_model(c: Call) -> None:
    p = c.params
    model = c.sagemaker("model", p["ModelName"])
    extra: dict[str, ContextValue] = {}
    if "EnableNetworkIsolation" in p:
        extra["sagemaker:NetworkIsolation"] = str(bool(p["EnableNetworkIsolation"])).lower()
    _tagged_create(c, "sagemaker:CreateModel", model, extra)
    if p.get("ExecutionRoleArn"):
        _pass_role(c, p["ExecutionRoleArn"], "sagemaker.amazonaws.com", model)


def _create_endpoint_config(c: Call) -> None:
    p = c.params
    variants = [*p.get("ProductionVariants", []), *p.get("ShadowProductionVariants", [])]
    extra: dict[str, ContextValue] = {}
    models = tuple(c.sagemaker("model", v["ModelName"]) for v in variants if v.get("ModelName"))
    if models:
        extra["sagemaker:ModelArn"] = models
    instance_types = tuple(v["InstanceType"] for v in variants if v.get("InstanceType"))
    if instance_types:
        extra["sagemaker:InstanceTypes"] = instance_types
    _tagged_create(
        c, "sagemaker:CreateEndpointConfig", c.sagemaker("endpoint-config", p["EndpointConfigName"]), extra
    )


def _create_endpoint(c: Call) -> None:
    endpoint = c.sagemaker("endpoint", c.params["EndpointName"])
    _tagged_create(c, "sagemaker:CreateEndpoint", endpoint)
    c.add("sagemaker:CreateEndpoint", c.sagemaker("endpoint-config", c.params["EndpointConfigName"]))


def _update_endpoint(c: Call) -> None:
    c.add("sagemaker:UpdateEndpoint", c.sagemaker("endpoint", c.params["EndpointName"]), c.stored())
    c.add("sagemaker:UpdateEndpoint", c.sagemaker("endpoint-config", c.params["EndpointConfigName"]))


def _on(action: str, kind: str, param: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        c.add(action, c.sagemaker(kind, c.params[param]), c.stored())

    return build


def _tags_of(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        arn = c.params["ResourceArn"]
        keys = c.stored(package=":model-package/" in arn)
        if action == "sagemaker:AddTags":
            keys.update(c.tags(c.params.get("Tags")))
        if action == "sagemaker:DeleteTags":
            keys["aws:TagKeys"] = tuple(c.params.get("TagKeys", []))
        c.add(action, arn, keys)

    return build


def _invoke_endpoint(c: Call) -> None:
    extra: dict[str, ContextValue] = {}
    if "TargetModel" in c.params:
        extra["sagemaker:TargetModel"] = c.params["TargetModel"]
    c.add("sagemaker:InvokeEndpoint", c.sagemaker("endpoint", c.params["EndpointName"]), extra)


def _create_inference_experiment(c: Call) -> None:
    # The service authorization reference lists only the inference-experiment resource for the action, with
    # iam:PassRole (the RoleArn SageMaker assumes to manage the endpoint) as a dependent. It names
    # sagemaker:AddTags as one too, but lists no inference-experiment resource for AddTags (nor ListTags,
    # DeleteTags): the request's tags are authorized here by the action's own aws:RequestTag/aws:TagKeys.
    experiment = c.sagemaker("inference-experiment", c.params["Name"])
    c.add("sagemaker:CreateInferenceExperiment", experiment, c.tags(c.params.get("Tags")))
    _pass_role(c, c.params["RoleArn"], "sagemaker.amazonaws.com", experiment)


def _on_experiment(action: str) -> Callable[[Call], None]:
    return _on(f"sagemaker:{action}", "inference-experiment", "Name")


SAGEMAKER: dict[tuple[str, str], Callable[[Call], None]] = {
    ("sagemaker", "CreateModelPackage"): _create_model_package,
    ("sagemaker", "UpdateModelPackage"): _update_model_package,
    ("sagemaker", "DescribeModelPackage"): _on_package("sagemaker:DescribeModelPackage"),
    ("sagemaker", "DeleteModelPackage"): _on_package("sagemaker:DeleteModelPackage"),
    ("sagemaker", "ListModelPackages"): _list_model_packages,
    ("sagemaker", "DescribeModelPackageGroup"): _on(
        "sagemaker:DescribeModelPackageGroup", "model-package-group", "ModelPackageGroupName"
    ),
    ("sagemaker", "Search"): lambda c: c.add("sagemaker:Search", "*"),
    ("sagemaker", "CreateModel"): _create_model,
    ("sagemaker", "DescribeModel"): _on("sagemaker:DescribeModel", "model", "ModelName"),
    ("sagemaker", "DeleteModel"): _on("sagemaker:DeleteModel", "model", "ModelName"),
    ("sagemaker", "CreateEndpointConfig"): _create_endpoint_config,
    ("sagemaker", "DescribeEndpointConfig"): _on(
        "sagemaker:DescribeEndpointConfig", "endpoint-config", "EndpointConfigName"
    ),
    ("sagemaker", "DeleteEndpointConfig"): _on(
        "sagemaker:DeleteEndpointConfig", "endpoint-config", "EndpointConfigName"
    ),
    ("sagemaker", "CreateEndpoint"): _create_endpoint,
    ("sagemaker", "UpdateEndpoint"): _update_endpoint,
    ("sagemaker", "DescribeEndpoint"): _on("sagemaker:DescribeEndpoint", "endpoint", "EndpointName"),
    ("sagemaker", "DeleteEndpoint"): _on("sagemaker:DeleteEndpoint", "endpoint", "EndpointName"),
    ("sagemaker", "AddTags"): _tags_of("sagemaker:AddTags"),
    ("sagemaker", "ListTags"): _tags_of("sagemaker:ListTags"),
    ("sagemaker", "DeleteTags"): _tags_of("sagemaker:DeleteTags"),
    ("sagemaker-runtime", "InvokeEndpoint"): _invoke_endpoint,
    ("sagemaker", "CreateInferenceExperiment"): _create_inference_experiment,
    **{
        ("sagemaker", action): _on_experiment(action)
        for action in (
            "DescribeInferenceExperiment",
            "StartInferenceExperiment",
            "StopInferenceExperiment",
            "UpdateInferenceExperiment",
            "DeleteInferenceExperiment",
        )
    },
    # No resource type: the reference lists none for the List action.
    ("sagemaker", "ListInferenceExperiments"): lambda c: c.add("sagemaker:ListInferenceExperiments", "*"),
}
