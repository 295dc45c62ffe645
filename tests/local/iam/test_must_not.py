"""Who may write what (docs/architecture.md "Governance"), evaluated on the synthesized identity and resource policies
with the request context AWS builds, including the ``Current*`` keys of the package's stored state.

What each role must NOT be able to do: every attack of issue 12 is a row, and every row is refused (the
statement that refuses it is named in the verdict's explanation when a row ever fails). ``MUST_NOT_EXTRA``
holds the cases issue 12's text names beyond its measured attacks; ``bench/must_not.py`` prints the count.
"""

from __future__ import annotations

import pytest

from modelops.contract import lifecycle as lc
from modelops.local.iam import Target
from tests.local.iam.calls import (
    APPROVED_NEW,
    DEPLOYING_PRODUCTION,
    DEPLOYING_STAGING,
    MODEL_TAR,
    PASSED,
    PRODUCTION_CONFIG,
    PRODUCTION_MODEL,
    PROMOTED,
    REGISTERED,
    RETIRED,
    SAMPLES,
    SERVED,
    SHARED_MODEL,
    STAGING_CONFIG,
    STAGING_MODEL,
    Call,
    alarm,
    artifact,
    config,
    decide,
    dlq,
    encrypted,
    endpoint,
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
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreateModelPackage",
            register(stage=lc.STAGE_STAGING, status=lc.STATUS_DEPLOYING),
        ),
        id="ds-registers-beyond-development",
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
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), SERVED),
        id="ds-rejects-the-served-version",
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(approval=lc.PENDING), SERVED),
        id="ds-sets-the-served-version-back-to-pending",
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
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(**{"metric.rmse": "1.0"}), SERVED),
        id="ds-rewrites-the-champion-metric",
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
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "AddTags", tags_on(lambda w: w.config_arn(PRODUCTION_CONFIG))),
        id="staging-tags-a-production-config",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateModel", model(SHARED_MODEL, "staging")),
        id="staging-creates-the-model-production-would-reuse",
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
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), SERVED),
        id="staging-rejects-the-served-version",
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
    ),
    pytest.param(
        Call("model", "s3", "GetObject", artifact("datasets/diabetes-progression/train.csv"), encrypted),
        id="model-role-reads-the-training-data",
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


def _unverified_pass() -> Target:
    """Staging/Passed without the verifier's record (a stage someone other than the verifier set)."""
    return Target(approval_status=lc.APPROVED, stage=lc.STAGE_STAGING, stage_status=lc.STATUS_PASSED)


def _never_served() -> Target:
    """Archived/Retired without ``deploy.production_endpoint``: not a version production served."""
    return Target(
        approval_status=lc.APPROVED,
        stage=lc.STAGE_ARCHIVED,
        stage_status=lc.STATUS_RETIRED,
        metadata=PASSED.metadata,
    )


def _foreign_alarm(w: World) -> str:
    return alarm(w).rsplit(":", 1)[0] + ":someone-elses-alarm"


def _pipeline(world: World) -> str:
    return str(world.output("-pipeline", "PipelineName"))


MUST_NOT_EXTRA = [
    # --- the data scientist
    pytest.param(
        Call(
            "data-scientist", "sagemaker", "CreateModelPackage", register(**{lc.META_REJECTION_NOTIFIED: "x"})
        ),
        id="ds-registers-with-a-rejection-already-notified",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_SAMPLE_PAYLOAD: "s3://elsewhere/easy.json"}),
            APPROVED_NEW,
        ),
        id="ds-swaps-the-samples-verification-sends",
    ),
    pytest.param(
        Call(
            "data-scientist", "sagemaker", "UpdateModelPackage", update(**{"metric.rmse": "1.0"}), REGISTERED
        ),
        id="ds-rewrites-its-metric-after-registration",
    ),
    pytest.param(
        Call(
            "data-scientist", "sagemaker", "UpdateModelPackage", update(remove=("metric.rmse",)), REGISTERED
        ),
        id="ds-removes-a-registered-metric",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_REJECTION_NOTIFIED: "approver"}),
            REGISTERED,
        ),
        id="ds-silences-a-rejection-notice",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "s3",
            "ListObjectVersions",
            lambda w: {"Bucket": w.bucket, "Prefix": "datasets/"},
        ),
        id="production-lists-more-than-model-artifacts",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(
                approval=lc.REJECTED,
                remove=(lc.META_NOTIFICATION_OWED_PREFIX + "rejected",),
            ),
            REGISTERED,
        ),
        id="approver-silences-an-owed-notice",
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "UpdateModelPackage", update(**{"notes": "x"}), PASSED),
        id="ds-annotates-a-version-past-development",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_DEVELOPMENT, lc.STATUS_REGISTERED)),
            REGISTERED,
        ),
        id="ds-sets-a-stage-even-development",
    ),
    pytest.param(
        Call("data-scientist", "s3", "DeleteObject", artifact(MODEL_TAR)),
        id="ds-deletes-a-referenced-artifact",
    ),
    # --- the approver
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)),
            APPROVED_NEW,
        ),
        id="approver-promotes-straight-from-development",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)),
            _unverified_pass(),
        ),
        id="approver-promotes-a-pass-the-verifier-never-recorded",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_ROLLBACK_REQUESTED)),
            _never_served(),
        ),
        id="approver-rolls-back-to-a-version-production-never-served",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_ROLLBACK_REQUESTED)),
            PASSED,
        ),
        id="approver-rolls-back-to-a-version-never-archived",
    ),
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), SERVED),
        id="approver-rejects-the-served-version",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)),
            SERVED,
        ),
        id="approver-retires-the-served-version",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED), **{"metric.rmse": "99.0"}),
            PASSED,
        ),
        id="approver-inflates-the-champion-metric-while-promoting",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            # Changing the containers cannot be refused (no condition key); vouching for the change can.
            update(
                stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED),
                **{lc.META_STAGING_SPEC: "sha256:" + "0" * 64},
            ),
            PASSED,
        ),
        id="approver-blesses-changed-containers-while-promoting",
    ),
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", update(approval=lc.PENDING), PASSED),
        id="approver-resets-a-version-to-pending",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "DeleteModelPackage",
            lambda w: {"ModelPackageName": w.package(2)},
            RETIRED,
        ),
        id="approver-deletes-a-version",
    ),
    pytest.param(
        Call("approver", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="approver-overwrites-a-registered-artifact",
    ),
    # --- the staging deployer
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED), **{lc.META_STAGING_VERIFICATION: "21/21"}),
            APPROVED_NEW,
        ),
        id="staging-passes-a-version-it-never-deployed",
    ),
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_FAILED), approval=lc.REJECTED),
            PASSED,
        ),
        id="staging-rejects-a-version-awaiting-promotion",
    ),
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_STAGING, lc.STATUS_PASSED),
                **{lc.META_STAGING_VERIFICATION: "21/21", lc.META_PRODUCTION_SERVED: "modelops-production"},
            ),
            DEPLOYING_STAGING,
        ),
        id="staging-forges-a-rollback-target",
    ),
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED), **{"metric.rmse": "1.0"}),
            DEPLOYING_STAGING,
        ),
        id="staging-rewrites-the-candidate-metric",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateModel", model(PRODUCTION_MODEL, "staging")),
        id="staging-creates-a-model-under-the-production-name",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateModel", model(STAGING_MODEL, "production")),
        id="staging-passes-the-production-execution-role",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "AddTags",
            tags_on(lambda w: w.config_arn(PRODUCTION_MODEL).replace(":endpoint-config/", ":model/")),
        ),
        id="staging-tags-a-production-model",
    ),
    # --- the production deployer
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED),
                **{lc.META_PRODUCTION_SERVED: "modelops-production"},
            ),
            PASSED,
        ),
        id="production-records-deployed-for-a-version-never-deployed",
    ),
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)),
            PASSED,
        ),
        id="production-archives-a-version-production-never-ran",
    ),
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED), **{"metric.rmse": "1.0"}),
            DEPLOYING_PRODUCTION,
        ),
        id="production-rewrites-the-champion-metric",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING), remove=(lc.META_STAGING_VERIFICATION,)),
            PROMOTED,
        ),
        id="production-removes-the-staging-verdict",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "CreateModel", model(PRODUCTION_MODEL, "staging")),
        id="production-passes-the-staging-execution-role",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "CreateEndpointConfig", config(STAGING_CONFIG, STAGING_MODEL)),
        id="production-creates-a-staging-config",
    ),
    # --- the notifier
    pytest.param(
        Call(
            "notify_rejected",
            "sagemaker",
            "UpdateModelPackage",
            update(remove=(lc.META_STAGING_VERIFICATION,)),
            PASSED,
        ),
        id="notifier-removes-evidence",
    ),
    pytest.param(
        Call(
            "notify_rejected",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_PRODUCTION_SERVED: "modelops-production"}),
            PASSED,
        ),
        id="notifier-forges-a-rollback-target",
    ),
    # --- the training pipeline (the data scientist's code)
    pytest.param(
        Call("pipeline", "sagemaker", "CreateModelPackage", register(approval=lc.APPROVED)),
        id="pipeline-registers-approved",
    ),
    pytest.param(
        Call(
            "pipeline",
            "sagemaker",
            "CreateModelPackage",
            register(stage=lc.STAGE_STAGING, status=lc.STATUS_DEPLOYING),
        ),
        id="pipeline-registers-beyond-development",
    ),
    pytest.param(
        Call(
            "pipeline",
            "sagemaker",
            "CreateModelPackage",
            register(stage=lc.STAGE_DEVELOPMENT, status=lc.STATUS_PASSED),
        ),
        id="pipeline-registers-past-registered",
    ),
    pytest.param(
        Call(
            "pipeline",
            "sagemaker",
            "CreateModelPackage",
            register(**{lc.META_PRODUCTION_SERVED: "modelops-production"}),
        ),
        id="pipeline-registers-a-forged-rollback-target",
    ),
    pytest.param(
        Call("pipeline", "s3", "DeleteObject", artifact(MODEL_TAR)),
        id="pipeline-deletes-a-registered-artifact",
    ),
    pytest.param(
        Call("pipeline", "s3", "DeleteObject", lambda w: {**artifact(MODEL_TAR)(w), "VersionId": "v1"}),
        id="pipeline-deletes-a-registered-artifact-version",
    ),
    # --- the data scientist and the training pipeline: starting it is theirs, its definition and role are not
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdatePipeline",
            lambda w: {
                "PipelineName": _pipeline(w),
                "PipelineDefinition": '{"Version": "2020-12-01", "Steps": []}',
            },
        ),
        id="ds-rewrites-the-training-pipeline-without-its-gate",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "CreatePipeline",
            lambda w: {
                "PipelineName": f"{_pipeline(w)}-ungated",
                "PipelineDefinition": '{"Version": "2020-12-01", "Steps": []}',
                "RoleArn": str(w.output("-pipeline", "PipelineExecutionRoleArn")),
            },
        ),
        id="ds-creates-a-pipeline-that-runs-as-the-pipeline-role",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "StartPipelineExecution",
            lambda w: {"PipelineName": f"{_pipeline(w)}-local"},
        ),
        id="ds-starts-a-pipeline-other-than-the-training-pipeline",
    ),
    # --- serving roles, readers, alarms
    pytest.param(
        Call(
            "staging-model", "s3", "GetObject", artifact("datasets/diabetes-progression/train.csv"), encrypted
        ),
        id="staging-model-role-reads-the-training-data",
    ),
    pytest.param(
        Call("model", "s3", "GetObject", artifact(SAMPLES), encrypted),
        id="model-role-reads-the-evaluation-outputs",
    ),
    pytest.param(
        Call("service:cloudwatch.amazonaws.com", "sns", "Publish", publish, encrypted, source=_foreign_alarm),
        id="another-alarm-publishes-to-the-topic",
    ),
]


@pytest.mark.parametrize("call", [*MUST_NOT, *MUST_NOT_EXTRA])
def test_must_not(world: World, call: Call) -> None:
    verdict = decide(world, call)
    assert not verdict.allowed, verdict.explain()
