"""Who may write what (docs/architecture.md "Governance"), evaluated on the synthesized identity and resource policies
with the request context AWS builds, including the ``Current*`` keys of the package's stored state.

What each role must NOT be able to do: every attack of issue 12 is a row. A row today's policies get wrong is marked
``xfail(strict=True, reason="issue 12: ...")``: it documents the attack, and it turns into a failure the
moment the policy is fixed, so the mark is removed with the fix.
"""

from __future__ import annotations

import pytest

from modelops.contract import lifecycle as lc
from tests.local.iam.calls import (
    APPROVED_NEW,
    DEPLOYING_STAGING,
    MODEL_TAR,
    PASSED,
    PRODUCTION_CONFIG,
    PROMOTED,
    REGISTERED,
    SAMPLES,
    SERVED,
    SHARED_MODEL,
    STAGING_CONFIG,
    Call,
    artifact,
    config,
    decide,
    dlq,
    encrypted,
    endpoint,
    issue12,
    model,
    named_endpoint,
    publish,
    register,
    tags_on,
    update,
)
from tests.local.iam.conftest import World

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
    ),
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
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreateModelPackage",
            register(stage=lc.STAGE_STAGING, status=lc.STATUS_DEPLOYING),
        ),
        id="ds-registers-beyond-development",
        marks=issue12("a new version may start beyond Development"),
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "CreateModelPackage", register(approval=lc.APPROVED)),
        id="ds-registers-approved",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreateModelPackage",
            register(stage=lc.STAGE_PRODUCTION, status=lc.STATUS_APPROVED),
        ),
        id="ds-registers-at-production",
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="ds-approves",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)),
            PASSED,
        ),
        id="ds-promotes",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED)),
            DEPLOYING_STAGING,
        ),
        id="ds-records-staging-passed",
    ),
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
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), SERVED),
        id="ds-rejects-the-served-version",
        marks=issue12("the data scientist rejects the version production serves"),
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.PENDING), SERVED),
        id="ds-sets-the-served-version-back-to-pending",
        marks=issue12("the data scientist sets the served version back to pending"),
    ),
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
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(**{"metric.rmse": "1.0"}), SERVED),
        id="ds-rewrites-the-champion-metric",
        marks=issue12("the data scientist rewrites metric.rmse of the served champion"),
    ),
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
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "DeleteModelPackage",
            lambda w: {"ModelPackageName": w.package(2)},
            SERVED,
        ),
        id="ds-deletes-a-version",
    ),
    pytest.param(
        Call("data-scientist", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="ds-overwrites-a-registered-artifact",
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="ds-changes-what-production-serves",
    ),
    pytest.param(
        Call("data-scientist", "sqs", "PurgeQueue", dlq("deploy_production")),
        id="ds-purges-a-dead-letter-queue",
    ),
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
    ),
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
    ),
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
    ),
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
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED)),
            DEPLOYING_STAGING,
        ),
        id="approver-records-staging-passed",
    ),
    pytest.param(Call("approver", "sagemaker", "CreateModelPackage", register()), id="approver-registers"),
    pytest.param(
        Call("approver", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="approver-changes-what-production-serves",
    ),
    pytest.param(
        Call("approver", "sagemaker", "CreateEndpointConfig", config(PRODUCTION_CONFIG)),
        id="approver-creates-a-production-config",
    ),
    # --- the staging deployer: never create, tag or choose anything production uses
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateEndpointConfig", config(PRODUCTION_CONFIG)),
        id="staging-creates-a-config-under-the-production-name",
        marks=issue12("the staging deployer creates modelops-prod-* configs"),
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "AddTags", tags_on(lambda w: w.config_arn(PRODUCTION_CONFIG))),
        id="staging-tags-a-production-config",
        marks=issue12("the staging deployer tags production configs (their served-package tag is trusted)"),
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateModel", model(SHARED_MODEL)),
        id="staging-creates-the-model-production-would-reuse",
        marks=issue12("model names and the execution role are shared by both stages"),
    ),
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
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), SERVED),
        id="staging-rejects-the-served-version",
        marks=issue12("the staging deployer rejects the production version"),
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="staging-approves",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED)),
            PROMOTED,
        ),
        id="staging-records-production",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="staging-changes-what-production-serves",
    ),
    pytest.param(
        Call("verify_staging", "sagemaker", "DeleteEndpoint", named_endpoint("production")),
        id="staging-deletes-the-production-endpoint",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "AddTags", tags_on(lambda w: w.endpoint_arn(w.production))),
        id="staging-tags-the-production-endpoint",
    ),
    # --- the production deployer: never approve, reject, or judge staging
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), PASSED),
        id="production-approves",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), PASSED),
        id="production-rejects",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED)),
            DEPLOYING_STAGING,
        ),
        id="production-records-staging-passed",
    ),
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
    ),
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
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateEndpoint", endpoint("staging", STAGING_CONFIG)),
        id="production-changes-what-staging-serves",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "DeleteEndpoint", named_endpoint("staging")),
        id="production-deletes-the-staging-endpoint",
    ),
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
    ),
    pytest.param(
        Call(
            "notify_rejected",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)),
            SERVED,
        ),
        id="notifier-sets-a-stage",
    ),
    pytest.param(
        Call("notify_rejected", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="notifier-approves",
    ),
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
    ),
    pytest.param(
        Call("pipeline", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="pipeline-overwrites-a-registered-artifact",
        marks=issue12("what was verified is not pinned: the artifact can be replaced in place"),
    ),
    pytest.param(
        Call("model", "s3", "GetObject", artifact("datasets/diabetes-progression/train.csv"), encrypted),
        id="model-role-reads-the-training-data",
        marks=issue12("the model execution role reads the whole bucket"),
    ),
    # --- transport: the TLS-only resource policies
    pytest.param(
        Call("deploy_staging", "sns", "Publish", publish, encrypted, secure_transport=False),
        id="publish-without-tls",
    ),
    pytest.param(
        Call("verify_staging", "s3", "GetObject", artifact(SAMPLES), encrypted, secure_transport=False),
        id="read-an-artifact-without-tls",
    ),
    pytest.param(
        Call("deploy_staging", "sqs", "SendMessage", dlq("deploy_staging"), secure_transport=False),
        id="send-to-a-dlq-without-tls",
    ),
]


@pytest.mark.parametrize("call", MUST_NOT)
def test_must_not(world: World, call: Call) -> None:
    verdict = decide(world, call)
    assert not verdict.allowed, verdict.explain()
