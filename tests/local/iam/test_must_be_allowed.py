"""Every call each handler, each service principal and each human role legitimately makes is allowed by
the synthesized policies, in the stored state each call really finds (the ``Current*`` keys the policies test)."""

from __future__ import annotations

import pytest

from modelops.contract import lifecycle as lc
from modelops.contract import names
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
    STAGING_CONFIG,
    STAGING_MODEL,
    Call,
    alarm,
    artifact,
    config,
    decide,
    describe,
    dlq,
    encrypted,
    endpoint,
    function_of,
    list_tags,
    model,
    named_endpoint,
    publish,
    register,
    rule_of,
    search,
    tags_on,
    update,
)
from tests.local.iam.conftest import World

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
    ],
    *[
        pytest.param(Call(h, "sns", "Publish", publish, encrypted), id=f"{h}-notifies")
        for h in (
            "deploy_staging",
            "verify_staging",
            "deploy_production",
            "finalize_production",
            "notify_rejected",
        )
    ],
    *[
        pytest.param(Call(h, "sqs", "SendMessage", dlq(h)), id=f"{h}-dead-letters-to-its-queue")
        for h in (
            "deploy_staging",
            "verify_staging",
            "deploy_production",
            "finalize_production",
            "notify_rejected",
        )
    ],
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
    ],
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
    ],
    pytest.param(
        Call("deploy_staging", "sagemaker", "Search", search), id="deploy_staging-finds-waiting-versions"
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "DescribeEndpoint", named_endpoint("staging")),
        id="deploy_staging-describes-staging",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "ListTags", list_tags("staging")),
        id="deploy_staging-reads-staging-tags",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "DescribeEndpoint", named_endpoint("production")),
        id="deploy_staging-reads-the-champion",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "ListTags", list_tags("production")),
        id="deploy_staging-reads-the-champion-tags",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_DEPLOYING)),
            APPROVED_NEW,
        ),
        id="deploy_staging-records-deploying",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateModel", model(STAGING_MODEL, "staging")),
        id="deploy_staging-creates-its-model",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "CreateEndpointConfig", config(STAGING_CONFIG, STAGING_MODEL)),
        id="deploy_staging-creates-its-config",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "DescribeEndpointConfig",
            lambda w: {"EndpointConfigName": STAGING_CONFIG},
        ),
        id="deploy_staging-describes-its-config",
    ),
    pytest.param(
        Call(
            "deploy_staging", "sagemaker", "CreateEndpoint", endpoint("staging", STAGING_CONFIG, create=True)
        ),
        id="deploy_staging-creates-staging",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "UpdateEndpoint", endpoint("staging", STAGING_CONFIG)),
        id="deploy_staging-updates-staging",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "AddTags", tags_on(lambda w: w.endpoint_arn(w.staging))),
        id="deploy_staging-tags-staging",
    ),
    pytest.param(
        Call("deploy_staging", "sagemaker", "DeleteEndpoint", named_endpoint("staging")),
        id="deploy_staging-replaces-a-failed-staging",
    ),
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker-runtime",
            "InvokeEndpoint",
            lambda w: {"EndpointName": w.staging, "Body": b"[]", "ContentType": "application/json"},
        ),
        id="verify_staging-invokes-staging",
    ),
    pytest.param(
        Call("verify_staging", "s3", "GetObject", artifact(SAMPLES), encrypted),
        id="verify_staging-reads-the-samples",
    ),
    pytest.param(
        # Was the artifact ever replaced? (modelops.deploy.artifacts.replaced_artifact)
        Call(
            "verify_staging",
            "s3",
            "ListObjectVersions",
            lambda w: {"Bucket": w.bucket, "Prefix": MODEL_TAR, "MaxKeys": 100},
        ),
        id="verify_staging-lists-the-artifact-s-versions",
    ),
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_PASSED), **{lc.META_STAGING_VERIFICATION: "21/21"}),
            DEPLOYING_STAGING,
        ),
        id="verify_staging-records-passed",
    ),
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
    ),
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
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "CreateModel", model(PRODUCTION_MODEL)),
        id="deploy_production-creates-its-model",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "CreateEndpointConfig", config(PRODUCTION_CONFIG)),
        id="deploy_production-creates-its-config",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "UpdateEndpoint", endpoint("production", PRODUCTION_CONFIG)),
        id="deploy_production-updates-production",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "CreateEndpoint",
            endpoint("production", PRODUCTION_CONFIG, create=True),
        ),
        id="deploy_production-creates-production",
    ),
    pytest.param(
        Call("deploy_production", "sagemaker", "AddTags", tags_on(lambda w: w.endpoint_arn(w.production))),
        id="deploy_production-tags-production",
    ),
    pytest.param(
        Call(
            "deploy_production", "cloudwatch", "DescribeAlarms", lambda w: {"AlarmNames": w.rollback_alarms()}
        ),
        id="deploy_production-reads-the-rollback-alarms",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_FAILED)),
            PROMOTED,
        ),
        id="deploy_production-records-failed",
    ),
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYED),
                **{lc.META_PRODUCTION_SERVED: "modelops-production"},
            ),
            DEPLOYING_PRODUCTION,
        ),
        id="finalize_production-records-deployed",
    ),
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(1, stage=(lc.STAGE_ARCHIVED, lc.STATUS_RETIRED)),
            SERVED,
        ),
        id="finalize_production-retires-the-previous",
    ),
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_ROLLED_BACK)),
            DEPLOYING_PRODUCTION,
        ),
        id="finalize_production-records-rolled-back",
    ),
    # --- the notifier
    pytest.param(
        Call(
            "notify_rejected",
            "sagemaker",
            "UpdateModelPackage",
            update(**{lc.META_REJECTION_NOTIFIED: "approver"}),
        ),
        id="notify_rejected-marks-notified",
    ),
    # --- SageMaker serving a version, and the training pipeline
    pytest.param(
        Call("model", "s3", "GetObject", artifact(MODEL_TAR), encrypted), id="model-role-reads-the-artifact"
    ),
    pytest.param(
        Call("model", "cloudwatch", "DescribeAlarms", lambda w: {"AlarmNames": w.rollback_alarms()}),
        id="model-role-reads-the-rollback-alarms",
    ),
    pytest.param(
        Call("pipeline", "sagemaker", "CreateModelPackage", register()),
        id="pipeline-registers-a-pending-version",
    ),
    pytest.param(
        # A new key, written with If-None-Match: * (S3 refuses it with 412 when the key exists).
        Call(
            "pipeline", "s3", "PutObject", lambda w: {**artifact(MODEL_TAR)(w), "IfNoneMatch": "*"}, encrypted
        ),
        id="pipeline-writes-a-new-artifact",
    ),
    pytest.param(
        # SageMaker uploads a training job's model.tar.gz under the execution role with no conditional
        # header, so the write-once Deny spares the pipeline role (a replaced artifact is caught by the pin
        # check: tests/deploy/test_never_silent.py).
        Call("pipeline", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="pipeline-job-uploads-its-output-as-sagemaker-does",
    ),
    # --- the alarms' notifications
    pytest.param(
        Call("service:cloudwatch.amazonaws.com", "sns", "Publish", publish, encrypted, source=alarm),
        id="an-alarm-notifies-the-topic",
    ),
    pytest.param(
        Call(
            "service:cloudwatch.amazonaws.com",
            "sns",
            "Publish",
            publish,
            encrypted,
            source=lambda w: (
                alarm(w).rsplit(":", 1)[0] + ":" + names.dead_letter_alarm_name("modelops", "deploy_staging")
            ),
        ),
        id="a-dead-letter-alarm-notifies-the-topic",
    ),
    # --- the data scientist
    pytest.param(Call("data-scientist", "sagemaker", "CreateModelPackage", register()), id="ds-registers"),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "DescribeModelPackageGroup",
            lambda w: {"ModelPackageGroupName": w.group},
        ),
        id="ds-reads-the-group",
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "DescribeModelPackage", describe(), SERVED),
        id="ds-reads-a-version",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "ListModelPackages",
            lambda w: {"ModelPackageGroupName": w.group, "SortBy": "CreationTime"},
        ),
        id="ds-lists-versions",
    ),
    pytest.param(Call("data-scientist", "sagemaker", "Search", search), id="ds-searches"),
    pytest.param(
        Call("data-scientist", "sagemaker", "DescribeEndpoint", named_endpoint("production")),
        id="ds-reads-production-status",
    ),
    pytest.param(
        Call("data-scientist", "sagemaker", "ListTags", list_tags("production")),
        id="ds-reads-what-production-serves",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(**{"notes": "retrained on May data"}),
            REGISTERED,
        ),
        id="ds-annotates-a-development-version",
    ),
    # --- the approver
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", update(approval=lc.APPROVED), REGISTERED),
        id="approver-approves",
    ),
    pytest.param(
        Call("approver", "sagemaker", "UpdateModelPackage", update(approval=lc.REJECTED), PASSED),
        id="approver-rejects",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_PRODUCTION, lc.STATUS_APPROVED)),
            PASSED,
        ),
        id="approver-promotes-a-passed-version",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(1, stage=(lc.STAGE_PRODUCTION, lc.STATUS_ROLLBACK_REQUESTED)),
            RETIRED,
        ),
        id="approver-requests-a-rollback",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "StartPipelineExecution",
            lambda w: {
                "PipelineName": str(w.output("-pipeline", "PipelineName")),
                "PipelineParameters": [{"Name": "NEstimators", "Value": "50"}],
            },
        ),
        id="ds-starts-the-training-pipeline",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "DescribePipeline",
            lambda w: {"PipelineName": str(w.output("-pipeline", "PipelineName"))},
        ),
        id="ds-reads-the-training-pipeline",
    ),
    pytest.param(
        Call("approver", "sagemaker", "ListModelPackages", lambda w: {"ModelPackageGroupName": w.group}),
        id="approver-lists-versions",
    ),
    pytest.param(Call("approver", "sagemaker", "Search", search), id="approver-searches"),
    pytest.param(
        Call("approver", "sagemaker", "DescribeEndpoint", named_endpoint("staging")),
        id="approver-reads-staging-status",
    ),
]

RECORDS = [
    # Every other record the handlers make, in the state they make it from.
    pytest.param(
        Call(
            "verify_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(
                stage=(lc.STAGE_STAGING, lc.STATUS_PASSED),
                **{lc.META_STAGING_VERIFICATION: "21/21", lc.META_STAGING_ARTIFACT: "s3://b/k#v1"},
            ),
            DEPLOYING_STAGING,
        ),
        id="verify_staging-records-passed-with-the-artifact-it-verified",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(1, stage=(lc.STAGE_STAGING, lc.STATUS_FAILED)),
            DEPLOYING_STAGING,
        ),
        id="deploy_staging-records-a-superseded-version-failed",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_FAILED)),
            APPROVED_NEW,
        ),
        id="deploy_staging-refuses-an-older-version",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_DEPLOYING)),
            Target(
                approval_status=lc.APPROVED,
                stage=lc.STAGE_STAGING,
                stage_status=lc.STATUS_FAILED,
                metadata={lc.META_REJECTION_NOTIFIED: "staging"},
            ),
        ),
        id="deploy_staging-retries-a-version-approved-again",
    ),
    pytest.param(
        Call(
            "deploy_staging",
            "sagemaker",
            "UpdateModelPackage",
            update(stage=(lc.STAGE_STAGING, lc.STATUS_DEPLOYING)),
            Target(approval_status=lc.APPROVED),
        ),
        id="deploy_staging-deploys-a-version-registered-without-a-stage",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(1, stage=(lc.STAGE_PRODUCTION, lc.STATUS_DEPLOYING)),
            Target(
                approval_status=lc.APPROVED,
                stage=lc.STAGE_PRODUCTION,
                stage_status=lc.STATUS_ROLLBACK_REQUESTED,
                metadata=RETIRED.metadata,
            ),
        ),
        id="deploy_production-starts-a-rollback",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "UpdateModelPackage",
            update(1, stage=(lc.STAGE_PRODUCTION, lc.STATUS_FAILED)),
            Target(
                approval_status=lc.APPROVED,
                stage=lc.STAGE_PRODUCTION,
                stage_status=lc.STATUS_ROLLBACK_REQUESTED,
            ),
        ),
        id="deploy_production-refuses-a-rollback",
    ),
    pytest.param(
        Call(
            "finalize_production",
            "sagemaker",
            "UpdateModelPackage",
            update(2, stage=(lc.STAGE_ARCHIVED, lc.STATUS_ROLLED_BACK)),
            SERVED,
        ),
        id="finalize_production-archives-the-version-rolled-back-from",
    ),
    pytest.param(
        Call(
            "deploy_production",
            "sagemaker",
            "DescribeEndpointConfig",
            lambda w: {"EndpointConfigName": PRODUCTION_CONFIG},
        ),
        id="deploy_production-describes-its-config",
    ),
    pytest.param(
        Call(
            "finalize_production", "sagemaker", "ListTags", tags_on(lambda w: w.config_arn(PRODUCTION_CONFIG))
        ),
        id="finalize_production-reads-what-its-config-serves",
    ),
    pytest.param(
        Call("staging-model", "s3", "GetObject", artifact(MODEL_TAR), encrypted),
        id="staging-model-role-reads-the-artifact",
    ),
    pytest.param(
        Call(
            "approver",
            "sagemaker",
            "UpdateModelPackage",
            update(approval=lc.APPROVED),
            Target(approval_status=lc.REJECTED, stage=lc.STAGE_STAGING, stage_status=lc.STATUS_FAILED),
        ),
        id="approver-approves-a-rejected-version-again",
    ),
    pytest.param(
        Call(
            "data-scientist",
            "sagemaker",
            "UpdateModelPackage",
            update(**{"notes": "from the pipeline"}),
            Target(approval_status=lc.PENDING),
        ),
        id="ds-annotates-a-version-registered-without-a-stage",
    ),
    pytest.param(
        Call(
            "pipeline",
            "sagemaker",
            "CreateModelPackage",
            lambda w: {
                "ModelPackageGroupName": w.group,
                "ModelApprovalStatus": lc.PENDING,
                "CustomerMetadataProperties": {"metric.rmse": "53.8", lc.META_SAMPLE_PAYLOAD: "s3://b/k"},
            },
        ),
        id="pipeline-registers-as-the-sdk-step-does",
    ),
]


@pytest.mark.parametrize("call", [*MUST_BE_ALLOWED, *RECORDS])
def test_must_be_allowed(world: World, call: Call) -> None:
    verdict = decide(world, call)
    assert verdict.allowed, verdict.explain()
