"""Who may write what (DESIGN.md "Governance"), evaluated on the synthesized identity and resource policies
with the request context AWS builds, including the ``Current*`` keys of the package's stored state.

Two tables: what each role must NOT be able to do (every attack of issue 12 is a row), and every call each
handler and each human role legitimately makes. A row today's policies get wrong is marked
``xfail(strict=True, reason="issue 12: ...")``: it documents the attack, and it turns into a failure the
moment the policy is fixed, so the mark is removed with the fix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from modelops import lifecycle as lc
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


def _decide(world: World, call: Call) -> Any:
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


def issue12(attack: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"issue 12: {attack}")


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
PROMOTED = Target(approval_status=lc.APPROVED, stage=lc.STAGE_PRODUCTION, stage_status=lc.STATUS_APPROVED, metadata=PASSED.metadata)  # fmt: skip
SERVED = Target(
    approval_status=lc.APPROVED,
    stage=lc.STAGE_PRODUCTION,
    stage_status=lc.STATUS_DEPLOYED,
    metadata={**PASSED.metadata, lc.META_PRODUCTION_SERVED: "modelops-production"},
)
RETIRED = Target(approval_status=lc.APPROVED, stage=lc.STAGE_ARCHIVED, stage_status=lc.STATUS_RETIRED, metadata=SERVED.metadata)  # fmt: skip


def encrypted(w: World) -> Target:
    return Target(kms_key_arn=w.key_arn)  # the artifact bucket's SSE-KMS key, which also encrypts the topic


def life(stage: str, status: str) -> dict[str, str]:
    return {"Stage": stage, "StageStatus": status, "StageDescription": "why"}


def register(*, approval: str = lc.PENDING, stage: str = lc.STAGE_DEVELOPMENT, status: str = lc.STATUS_REGISTERED, **metadata: str) -> Params:  # fmt: skip
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


def update(version: int = 2, *, approval: str | None = None, stage: tuple[str, str] | None = None, remove: tuple[str, ...] = (), **metadata: str) -> Params:  # fmt: skip
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


def model(name: str) -> Params:
    return lambda w: {
        "ModelName": name,
        "ExecutionRoleArn": w.execution_role_arn,
        "Containers": [{"ModelPackageName": w.package(2)}],
        "Tags": [{"Key": lc.TAG_SERVED_PACKAGE, "Value": w.package(2)}],
    }


def config(name: str, model_name: str = "modelops-v2-0123456789") -> Params:
    return lambda w: {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": model_name,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],  # fmt: skip
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
SHARED_MODEL = "modelops-v2-0123456789"  # model names carry no stage: both deployers build the same one


def publish(w: World) -> dict[str, Any]:
    return {"TopicArn": w.topic_arn, "Subject": "modelops", "Message": "x"}


def dlq(handler: str) -> Params:
    def build(w: World) -> dict[str, Any]:
        names = {"deploy_staging": "DeployStaging", "verify_staging": "VerifyStaging", "deploy_production": "DeployProduction", "finalize_production": "FinalizeProduction", "notify_rejected": "NotifyRejected"}  # fmt: skip
        return {
            "QueueUrl": w.output("-deployment", f"{names[handler]}DeadLetterQueueUrl"),
            "MessageBody": "{}",
        }

    return build


def alarm(w: World) -> str:
    return f"arn:aws:cloudwatch:us-east-1:{w.principals.by_arn(w.execution_role_arn).principal.account}:alarm:{w.rollback_alarms()[0]}"


MUST_NOT = [
    # --- the data scientist: register pending Development versions, never write evidence or touch the served one
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreateModelPackage",
            register(
                stage=lc.STAGE_STAGING, status=lc.STATUS_PASSED, **{lc.META_STAGING_VERIFICATION: "passed"}
            ),
        ),
        id="ds-registers-at-staging-passed-with-forged-verification",
        marks=issue12(
            "forged staging evidence at registration (Staging/Passed + deploy.staging_verification)"
        ),
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreateModelPackage",
            register(
                stage=lc.STAGE_ARCHIVED,
                status=lc.STATUS_RETIRED,
                **{lc.META_PRODUCTION_SERVED: "modelops-production"},
            ),
        ),
        id="ds-registers-a-forged-rollback-target",
        marks=issue12("forged Archived/Retired + deploy.production_endpoint makes rollback choose it"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreateModelPackage",
            register(stage=lc.STAGE_STAGING, status=lc.STATUS_DEPLOYING),
        ),
        id="ds-registers-beyond-development",
        marks=issue12("a new version may start beyond Development"),
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "CreateModelPackage", register(approval=lc.APPROVED)),
        id="ds-registers-approved",
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreateModelPackage",
            register(stage=lc.STAGE_PRODUCTION, status=lc.STATUS_APPROVED),
        ),
        id="ds-registers-at-production",
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="ds-approves",
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)),
            PASSED,
        ),
        id="ds-promotes",
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED)),
            DEPLOYING_STAGING,
        ),
        id="ds-records-staging-passed",
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_DEVELOPMENT, lc.STATUS_REGISTERED)),
            SERVED,
        ),
        id="ds-resets-the-served-version-to-development",
        marks=issue12("the data scientist rewrites the state of the version production serves"),
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), SERVED),
        id="ds-rejects-the-served-version",
        marks=issue12("the data scientist rejects the version production serves"),
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.PENDING), SERVED),
        id="ds-sets-the-served-version-back-to-pending",
        marks=issue12("the data scientist sets the served version back to pending"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_STAGING_VERIFICATION: "passed"}),
            APPROVED_NEW,
        ),
        id="ds-writes-staging-evidence-later",
        marks=issue12("the data scientist writes deploy.staging_verification on an existing version"),
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(**{"metric.rmse": "1.0"}), SERVED),
        id="ds-rewrites-the-champion-metric",
        marks=issue12("the data scientist rewrites metric.rmse of the served champion"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(remove=(lc.META_STAGING_VERIFICATION,)),
            PASSED,
        ),
        id="ds-removes-staging-evidence",
        marks=issue12("the data scientist removes the system's evidence"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "DeleteModelPackage",
            lambda w: {"ModelPackageName": w.package(2)},
            SERVED,
        ),
        id="ds-deletes-a-version",
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="ds-overwrites-a-registered-artifact",
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="ds-changes-what-production-serves",
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sqs", "PurgeQueue", dlq("deploy_production")),
        id="ds-purges-a-dead-letter-queue",
    ),  # fmt: skip
    # --- the approver: approve/reject/promote/rollback, never the evidence, never an endpoint directly
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_STAGING_VERIFICATION: "passed"}),
            APPROVED_NEW,
        ),
        id="approver-writes-staging-evidence",
        marks=issue12("the approver writes deploy.staging_verification"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED),
                **{lc.META_PRODUCTION_SERVED: "modelops-production"},
            ),
            PROMOTED,
        ),
        id="approver-records-production-deployed",
        marks=issue12("the approver records Production/Deployed and what production served"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_ARCHIVED, lc.STATUS_RETIRED),
                **{lc.META_PRODUCTION_SERVED: "modelops-production"},
            ),
            PASSED,
        ),
        id="approver-forges-a-rollback-target",
        marks=issue12("the approver forges Archived/Retired + deploy.production_endpoint"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)),
            DEPLOYING_STAGING,
        ),
        id="approver-promotes-a-version-not-yet-passed",
        marks=issue12("promotion is not limited to Staging/Passed (CurrentModelLifeCycleStage*)"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED)),
            DEPLOYING_STAGING,
        ),
        id="approver-records-staging-passed",
    ),  # fmt: skip
    pytest.param(
        Call("approver", "sagemaker", "CreateModelPackage", register()), id="approver-registers"
    ),  # fmt: skip
    pytest.param(
        Call("approver", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="approver-changes-what-production-serves",
    ),  # fmt: skip
    pytest.param(
        Call("approver", "sagemaker", "CreateEndpointConfig", config(PRODUCTION_CONFIG)),
        id="approver-creates-a-production-config",
    ),  # fmt: skip
    # --- the staging deployer: never create, tag or choose anything production uses
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateEndpointConfig", config(PRODUCTION_CONFIG)),
        id="staging-creates-a-config-under-the-production-name",
        marks=issue12("the staging deployer creates modelops-prod-* configs"),
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "AddTags", tags_on(lambda w: w.config_arn(PRODUCTION_CONFIG))),
        id="staging-tags-a-production-config",
        marks=issue12("the staging deployer tags production configs (their served-package tag is trusted)"),
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateModel", model(SHARED_MODEL)),
        id="staging-creates-the-model-production-would-reuse",
        marks=issue12("model names and the execution role are shared by both stages"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_DEPLOYING)),
            SERVED,
        ),
        id="staging-moves-the-served-version-to-staging",
        marks=issue12("the staging deployer sets the production version to Staging/*"),
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), SERVED),
        id="staging-rejects-the-served-version",
        marks=issue12("the staging deployer rejects the production version"),
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="staging-approves",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)),
            PROMOTED,
        ),
        id="staging-records-production",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="staging-changes-what-production-serves",
    ),  # fmt: skip
    pytest.param(
        Call("verify_staging", "sagemaker", "DeleteEndpoint", named_endpoint("production")),
        id="staging-deletes-the-production-endpoint",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "AddTags", tags_on(lambda w: w.endpoint_arn(w.production))),
        id="staging-tags-the-production-endpoint",
    ),  # fmt: skip
    # --- the production deployer: never approve, reject, or judge staging
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), PASSED),
        id="production-approves",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), PASSED),
        id="production-rejects",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED)),
            DEPLOYING_STAGING,
        ),
        id="production-records-staging-passed",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING), **{lc.META_STAGING_VERIFICATION: "passed"}
            ),
            APPROVED_NEW,
        ),
        id="production-forges-the-staging-verdict",
        marks=issue12("the production deployer writes deploy.staging_verification"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING)),
            APPROVED_NEW,
        ),
        id="production-deploys-a-version-never-promoted",
        marks=issue12("the production deployer may move any version to Production (no Current* condition)"),
    ),  # fmt: skip
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateEndpoint", endpoint("staging", STAGING_CONFIG)),
        id="production-changes-what-staging-serves",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_production", "sagemaker", "DeleteEndpoint", named_endpoint("staging")),
        id="production-deletes-the-staging-endpoint",
    ),  # fmt: skip
    # --- the notifier and the pipeline
    pytest.param(
        Call(
            "notify_rejected",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_STAGING_VERIFICATION: "passed"}),
            APPROVED_NEW,
        ),
        id="notifier-writes-staging-evidence",
        marks=issue12("the notifier may write any metadata, evidence included"),
    ),  # fmt: skip
    pytest.param(
        Call(
            "notify_rejected",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)),
            SERVED,
        ),
        id="notifier-sets-a-stage",
    ),  # fmt: skip
    pytest.param(
        Call("notify_rejected", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="notifier-approves",
    ),  # fmt: skip
    pytest.param(
        Call(
            "pipeline",
            "sagemaker",
            "CreateModelPackage",
            register(
                stage=lc.STAGE_STAGING, status=lc.STATUS_PASSED, **{lc.META_STAGING_VERIFICATION: "passed"}
            ),
        ),
        id="pipeline-registers-with-forged-staging-evidence",
        marks=issue12("the training pipeline (running the data scientist's code) forges staging evidence"),
    ),  # fmt: skip
    pytest.param(
        Call("pipeline", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="pipeline-overwrites-a-registered-artifact",
        marks=issue12("what was verified is not pinned: the artifact can be replaced in place"),
    ),  # fmt: skip
    pytest.param(
        Call("model", "s3", "GetObject", artifact("datasets/diabetes-progression/train.csv"), encrypted),
        id="model-role-reads-the-training-data",
        marks=issue12("the model execution role reads the whole bucket"),
    ),  # fmt: skip
    # --- transport: the TLS-only resource policies
    pytest.param(
        Call("deploy_staging", "sns", "Publish", publish, encrypted, secure_transport=False),
        id="publish-without-tls",
    ),  # fmt: skip
    pytest.param(
        Call("verify_staging", "s3", "GetObject", artifact(SAMPLES), encrypted, secure_transport=False),
        id="read-an-artifact-without-tls",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sqs", "SendMessage", dlq("deploy_staging"), secure_transport=False),
        id="send-to-a-dlq-without-tls",
    ),  # fmt: skip
]


@pytest.mark.parametrize("call", MUST_NOT)
def test_must_not(world: World, call: Call) -> None:
    verdict = _decide(world, call)
    assert not verdict.allowed, verdict.explain()


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
    return lambda w: {"FunctionName": next(f.arn for f in w.principals.functions.values() if f.handler.endswith(f".{handler}.handler"))}  # fmt: skip


def search(w: World) -> dict[str, Any]:
    return {"Resource": "ModelPackage", "SearchExpression": {"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": w.group}]}}  # fmt: skip


def describe(version: int = 2) -> Params:
    return lambda w: {"ModelPackageName": w.package(version)}


def list_tags(which: str) -> Params:
    return lambda w: {"ResourceArn": w.endpoint_arn(w.staging if which == "staging" else w.production)}


STAGING_MODEL = "modelops-v2-0123456789"
MUST_BE_ALLOWED = [
    # --- the staging deployer (deploy_staging, verify_staging)
    *[
        pytest.param(
            Call(h, "sagemaker", "DescribeModelPackage", describe(), APPROVED_NEW),
            id=f"{h}-describes-a-version",
        )
        for h in (
            "deploy_staging",
            "verify_staging",
            "deploy_production",
            "finalize_production",
            "notify_rejected",
        )
    ],  # fmt: skip
    *[
        pytest.param(Call(h, "sns", "Publish", publish, encrypted), id=f"{h}-notifies")
        for h in (
            "deploy_staging",
            "verify_staging",
            "deploy_production",
            "finalize_production",
            "notify_rejected",
        )
    ],  # fmt: skip
    *[
        pytest.param(Call(h, "sqs", "SendMessage", dlq(h)), id=f"{h}-dead-letters-to-its-queue")
        for h in (
            "deploy_staging",
            "verify_staging",
            "deploy_production",
            "finalize_production",
            "notify_rejected",
        )
    ],  # fmt: skip
    *[
        pytest.param(
            Call("service:events.amazonaws.com", "lambda", "Invoke", function_of(h), source=rule_of(h)),
            id=f"eventbridge-invokes-{h}",
        )
        for h in (
            "deploy_staging",
            "verify_staging",
            "deploy_production",
            "finalize_production",
            "notify_rejected",
        )
    ],  # fmt: skip
    *[
        pytest.param(
            Call("service:events.amazonaws.com", "sqs", "SendMessage", dlq(h), source=rule_of(h)),
            id=f"eventbridge-dead-letters-{h}",
        )
        for h in (
            "deploy_staging",
            "verify_staging",
            "deploy_production",
            "finalize_production",
            "notify_rejected",
        )
    ],  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "Search", search), id="deploy_staging-finds-waiting-versions"
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "DescribeEndpoint", named_endpoint("staging")),
        id="deploy_staging-describes-staging",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "ListTags", list_tags("staging")),
        id="deploy_staging-reads-staging-tags",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "DescribeEndpoint", named_endpoint("production")),
        id="deploy_staging-reads-the-champion",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "ListTags", list_tags("production")),
        id="deploy_staging-reads-the-champion-tags",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_DEPLOYING)),
            APPROVED_NEW,
        ),
        id="deploy_staging-records-deploying",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateModel", model(STAGING_MODEL)),
        id="deploy_staging-creates-its-model",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateEndpointConfig", config(STAGING_CONFIG, STAGING_MODEL)),
        id="deploy_staging-creates-its-config",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "DescribeEndpointConfig",
            lambda w: {"EndpointConfigName": STAGING_CONFIG},
        ),
        id="deploy_staging-describes-its-config",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_staging", "sagemaker", "CreateEndpoint", endpoint("staging", STAGING_CONFIG, create=True)
        ),
        id="deploy_staging-creates-staging",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateEndpoint", endpoint("staging", STAGING_CONFIG)),
        id="deploy_staging-updates-staging",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "AddTags", tags_on(lambda w: w.endpoint_arn(w.staging))),
        id="deploy_staging-tags-staging",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_staging", "sagemaker", "DeleteEndpoint", named_endpoint("staging")),
        id="deploy_staging-replaces-a-failed-staging",
    ),  # fmt: skip
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker-runtime",
            "InvokeEndpoint",
            lambda w: {"EndpointName": w.staging, "Body": b"[]", "ContentType": "application/json"},
        ),
        id="verify_staging-invokes-staging",
    ),  # fmt: skip
    pytest.param(
        Call("verify_staging", "s3", "GetObject", artifact(SAMPLES), encrypted),
        id="verify_staging-reads-the-samples",
    ),  # fmt: skip
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED), **{lc.META_STAGING_VERIFICATION: "21/21"}),
            DEPLOYING_STAGING,
        ),
        id="verify_staging-records-passed",
    ),  # fmt: skip
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(
                approval=lc.REJECTED,
                stage=(lc.STAGE_STAGING, lc.STATUS_FAILED),
                **{lc.META_REJECTION_NOTIFIED: "staging"},
            ),
            DEPLOYING_STAGING,
        ),
        id="verify_staging-rejects-a-failed-version",
    ),  # fmt: skip
    # --- the production deployer (deploy_production, finalize_production)
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING)),
            PROMOTED,
        ),
        id="deploy_production-records-deploying",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_production", "sagemaker", "CreateModel", model(SHARED_MODEL)),
        id="deploy_production-creates-its-model",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_production", "sagemaker", "CreateEndpointConfig", config(PRODUCTION_CONFIG)),
        id="deploy_production-creates-its-config",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="deploy_production-updates-production",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "CreateEndpoint",
            endpoint("production", PRODUCTION_CONFIG, create=True),
        ),
        id="deploy_production-creates-production",
    ),  # fmt: skip
    pytest.param(
        Call("deploy_production", "sagemaker", "AddTags", tags_on(lambda w: w.endpoint_arn(w.production))),
        id="deploy_production-tags-production",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_production", "cloudwatch", "DescribeAlarms", lambda w: {"AlarmNames": w.rollback_alarms()}
        ),
        id="deploy_production-reads-the-rollback-alarms",
    ),  # fmt: skip
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_FAILED)),
            PROMOTED,
        ),
        id="deploy_production-records-failed",
    ),  # fmt: skip
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED),
                **{lc.META_PRODUCTION_SERVED: "modelops-production"},
            ),
            PROMOTED,
        ),
        id="finalize_production-records-deployed",
    ),  # fmt: skip
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(1, stage=(lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)),
            SERVED,
        ),
        id="finalize_production-retires-the-previous",
    ),  # fmt: skip
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_ROLLED_BACK)),
            PROMOTED,
        ),
        id="finalize_production-records-rolled-back",
    ),  # fmt: skip
    # --- the notifier
    pytest.param(
        Call(
            "notify_rejected",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_REJECTION_NOTIFIED: "approver"}),
        ),
        id="notify_rejected-marks-notified",
    ),  # fmt: skip
    # --- SageMaker serving a version, and the training pipeline
    pytest.param(
        Call("model", "s3", "GetObject", artifact(MODEL_TAR), encrypted), id="model-role-reads-the-artifact"
    ),  # fmt: skip
    pytest.param(
        Call("model", "cloudwatch", "DescribeAlarms", lambda w: {"AlarmNames": w.rollback_alarms()}),
        id="model-role-reads-the-rollback-alarms",
    ),  # fmt: skip
    pytest.param(
        Call("pipeline", "sagemaker", "CreateModelPackage", register()),
        id="pipeline-registers-a-pending-version",
    ),  # fmt: skip
    pytest.param(
        Call("pipeline", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="pipeline-writes-a-new-artifact",
    ),  # fmt: skip
    # --- the alarms' notifications
    pytest.param(
        Call("service:cloudwatch.amazonaws.com", "sns", "Publish", publish, encrypted, source=alarm),
        id="an-alarm-notifies-the-topic",
        marks=issue12("alarms cannot notify: the topic policy holds only the TLS Deny"),
    ),  # fmt: skip
    # --- the data scientist
    pytest.param(
        Call("data-scientist", "sagemaker", "CreateModelPackage", register()), id="ds-registers"
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "DescribeModelPackageGroup",
            lambda w: {"ModelPackageGroupName": w.group},
        ),
        id="ds-reads-the-group",
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "DescribeModelPackage", describe(), SERVED),
        id="ds-reads-a-version",
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "ListModelPackages",
            lambda w: {"ModelPackageGroupName": w.group, "SortBy": "CreationTime"},
        ),
        id="ds-lists-versions",
    ),  # fmt: skip
    pytest.param(Call("data-scientist", "sagemaker", "Search", search), id="ds-searches"),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "DescribeEndpoint", named_endpoint("production")),
        id="ds-reads-production-status",
    ),  # fmt: skip
    pytest.param(
        Call("data-scientist", "sagemaker", "ListTags", list_tags("production")),
        id="ds-reads-what-production-serves",
    ),  # fmt: skip
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(**{"notes": "retrained on May data"}),
            REGISTERED,
        ),
        id="ds-annotates-a-development-version",
    ),  # fmt: skip
    # --- the approver
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="approver-approves",
    ),  # fmt: skip
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), PASSED),
        id="approver-rejects",
    ),  # fmt: skip
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)),
            PASSED,
        ),
        id="approver-promotes-a-passed-version",
    ),  # fmt: skip
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(1, stage=(lc.STAGE_PRODUCTION, lc.STATUS_ROLLBACK_REQUESTED)),
            RETIRED,
        ),
        id="approver-requests-a-rollback",
    ),  # fmt: skip
    pytest.param(
        Call("approver", "sagemaker", "ListModelPackages", lambda w: {"ModelPackageGroupName": w.group}),
        id="approver-lists-versions",
    ),  # fmt: skip
    pytest.param(Call("approver", "sagemaker", "Search", search), id="approver-searches"),  # fmt: skip
    pytest.param(
        Call("approver", "sagemaker", "DescribeEndpoint", named_endpoint("staging")),
        id="approver-reads-staging-status",
    ),  # fmt: skip
]


@pytest.mark.parametrize("call", MUST_BE_ALLOWED)
def test_must_be_allowed(world: World, call: Call) -> None:
    verdict = _decide(world, call)
    assert verdict.allowed, verdict.explain()
