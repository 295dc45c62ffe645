"""Building the calls of the governance tables: who, which operation, which parameters, which stored state."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from modelops.contract import lifecycle as lc
from modelops.local.iam import Target
from tests.local.iam.conftest import World

Params = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Call:
    who: str  # a role (see World.who) or "service:<principal>"
    service: str
    operation: str
    params: Params
    target: Target | Callable[[World], Target] = field(default_factory=Target)
    source: Callable[[World], str] | None = None  # aws:SourceArn of a service principal's call
    secure_transport: bool = True


def decide(world: World, call: Call) -> Any:
    who: Any = (
        world.service(call.who.removeprefix("service:")) if call.who.startswith("service:") else call.who
    )
    return world.decide(
        who,
        call.service,
        call.operation,
        call.params(world),
        call.target(world) if callable(call.target) else call.target,
        secure_transport=call.secure_transport,
        source_arn=call.source(world) if call.source else None,
    )


# Stored states of the version a call acts on.
REGISTERED = Target(approval_status=lc.PENDING, stage=lc.STAGE_DEVELOPMENT, stage_status=lc.STATUS_REGISTERED)
APPROVED_NEW = Target(
    approval_status=lc.APPROVED, stage=lc.STAGE_DEVELOPMENT, stage_status=lc.STATUS_REGISTERED
)
DEPLOYING_STAGING = Target(
    approval_status=lc.APPROVED, stage=lc.STAGE_STAGING, stage_status=lc.STATUS_DEPLOYING
)
PASSED = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_STAGING,
    stage_status=lc.STATUS_PASSED,
    metadata={lc.META_STAGING_VERIFICATION: "21/21 samples passed", "metric.rmse": "53.8"},
)
DEPLOYING_PRODUCTION = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_PRODUCTION,
    stage_status=lc.STATUS_DEPLOYING,
    metadata=PASSED.metadata,
)
PROMOTED = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_PRODUCTION,
    stage_status=lc.STATUS_APPROVED,
    metadata=PASSED.metadata,
)
SERVED = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_PRODUCTION,
    stage_status=lc.STATUS_DEPLOYED,
    metadata={**PASSED.metadata, lc.META_PRODUCTION_SERVED: "modelops-production"},
)
RETIRED = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_ARCHIVED,
    stage_status=lc.STATUS_RETIRED,
    metadata=SERVED.metadata,
)


def encrypted(w: World) -> Target:
    return Target(kms_key_arn=w.key_arn)  # the artifact bucket's SSE-KMS key, which also encrypts the topic


def life(stage: str, status: str) -> dict[str, str]:
    return {"Stage": stage, "StageStatus": status, "StageDescription": "why"}


def register(
    *,
    approval: str = lc.PENDING,
    stage: str = lc.STAGE_DEVELOPMENT,
    status: str = lc.STATUS_REGISTERED,
    **metadata: str,
) -> Params:
    def build(w: World) -> dict[str, Any]:
        params: dict[str, Any] = {
            "ModelPackageGroupName": w.group,
            "ModelApprovalStatus": approval,
            "ModelLifeCycle": life(stage, status),
            "InferenceSpecification": {
                "Containers": [{"Image": "img", "ModelDataUrl": f"s3://{w.bucket}/m.tar.gz"}]
            },
            "CustomerMetadataProperties": {"code_commit": "abc", "metric.rmse": "53.8", **metadata},
        }
        return params

    return build


def update(
    version: int = 2,
    *,
    approval: str | None = None,
    stage: tuple[str, str] | None = None,
    remove: tuple[str, ...] = (),
    **metadata: str,
) -> Params:
    def build(w: World) -> dict[str, Any]:
        params: dict[str, Any] = {"ModelPackageArn": w.package(version)}
        if approval:
            params["ModelApprovalStatus"] = approval
            params["ApprovalDescription"] = "why"
        if stage:
            params["ModelLifeCycle"] = life(*stage)
        if metadata:
            params["CustomerMetadataProperties"] = metadata
        if remove:
            params["CustomerMetadataPropertiesToRemove"] = list(remove)
        return params

    return build


def model(name: str, role: str = "production") -> Params:
    """CreateModel as the deployer of ``role``'s endpoint stage sends it, passing that stage's role."""
    return lambda w: {
        "ModelName": name,
        "ExecutionRoleArn": w.execution_role_arn if role == "production" else w.staging_execution_role_arn,
        "Containers": [{"ModelPackageName": w.package(2)}],
        "Tags": [{"Key": lc.TAG_SERVED_PACKAGE, "Value": w.package(2)}],
    }


def config(name: str, model_name: str = "modelops-prod-v2-0123456789") -> Params:
    return lambda w: {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": model_name,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
        "Tags": [{"Key": lc.TAG_SERVED_PACKAGE, "Value": w.package(2)}],
    }


def endpoint(which: str, config_name: str, *, create: bool = False) -> Params:
    def build(w: World) -> dict[str, Any]:
        name = w.staging if which == "staging" else w.production
        params: dict[str, Any] = {"EndpointName": name, "EndpointConfigName": config_name}
        if create:
            params["Tags"] = [{"Key": lc.TAG_SERVED_PACKAGE, "Value": w.package(2)}]
        return params

    return build


def named_endpoint(which: str) -> Params:
    return lambda w: {"EndpointName": w.staging if which == "staging" else w.production}


def tags_on(arn: Callable[[World], str]) -> Params:
    return lambda w: {"ResourceArn": arn(w), "Tags": [{"Key": lc.TAG_SERVED_PACKAGE, "Value": w.package(2)}]}


def artifact(key: str) -> Params:
    return lambda w: {"Bucket": w.bucket, "Key": key, "Body": b"x"}


SAMPLES = "pipelines/modelops-training/execution-1/evaluation/samples.jsonl"
MODEL_TAR = "pipelines/modelops-training/execution-1/model/model.tar.gz"
STAGING_CONFIG = "modelops-stag-v2-0123456789"
PRODUCTION_CONFIG = "modelops-prod-v2-0123456789"
# Models carry their endpoint stage, as configs do (modelops.deploy.endpoints.model_name).
STAGING_MODEL = "modelops-stag-v2-0123456789"
PRODUCTION_MODEL = "modelops-prod-v2-0123456789"
# Before issue 12, model names carried no stage: both deployers built (and could pre-create) the same one.
SHARED_MODEL = "modelops-v2-0123456789"


def publish(w: World) -> dict[str, Any]:
    return {"TopicArn": w.topic_arn, "Subject": "modelops", "Message": "x"}


def dlq(handler: str) -> Params:
    def build(w: World) -> dict[str, Any]:
        names = {
            "deploy_staging": "DeployStaging",
            "verify_staging": "VerifyStaging",
            "deploy_production": "DeployProduction",
            "finalize_production": "FinalizeProduction",
            "notify_rejected": "NotifyRejected",
        }
        return {
            "QueueUrl": w.output("-deployment", f"{names[handler]}DeadLetterQueueUrl"),
            "MessageBody": "{}",
        }

    return build


def alarm(w: World) -> str:
    return f"arn:aws:cloudwatch:us-east-1:{w.principals.by_arn(w.execution_role_arn).principal.account}:alarm:{w.rollback_alarms()[0]}"


def rule_of(handler: str) -> Callable[[World], str]:
    """The ARN of the EventBridge rule whose target is ``handler``'s function (read from its permission)."""

    def find(w: World) -> str:
        function = next(
            f for f in w.principals.functions.values() if f.handler.endswith(f".{handler}.handler")
        )
        policy = w.principals.resource_policy(function.arn)
        assert policy is not None
        (statement,) = policy.statements
        return statement.conditions["ArnLike"]["aws:SourceArn"][0]

    return find


def function_of(handler: str) -> Params:
    return lambda w: {
        "FunctionName": next(
            f.arn for f in w.principals.functions.values() if f.handler.endswith(f".{handler}.handler")
        )
    }


def search(w: World) -> dict[str, Any]:
    return {
        "Resource": "ModelPackage",
        "SearchExpression": {
            "Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": w.group}]
        },
    }


def describe(version: int = 2) -> Params:
    return lambda w: {"ModelPackageName": w.package(version)}


def list_tags(which: str) -> Params:
    return lambda w: {"ResourceArn": w.endpoint_arn(w.staging if which == "staging" else w.production)}
