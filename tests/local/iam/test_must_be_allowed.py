"""Every call each handler, each service principal and each human role legitimately makes is allowed by
the synthesized policies (a row today's policies refuse is a strict xfail naming the issue-12 finding)."""

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
    RETIRED,
    SAMPLES,
    SERVED,
    SHARED_MODEL,
    STAGING_CONFIG,
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
    issue12,
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
        Call("deploy_staging", "sagemaker", "CreateModel", model(STAGING_MODEL)),
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
        Call("deploy_production", "sagemaker", "CreateModel", model(SHARED_MODEL)),
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
            PROMOTED,
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
            PROMOTED,
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
        Call("pipeline", "s3", "PutObject", artifact(MODEL_TAR), encrypted),
        id="pipeline-writes-a-new-artifact",
    ),
    # --- the alarms' notifications
    pytest.param(
        Call("service:cloudwatch.amazonaws.com", "sns", "Publish", publish, encrypted, source=alarm),
        id="an-alarm-notifies-the-topic",
        marks=issue12("alarms cannot notify: the topic policy holds only the TLS Deny"),
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
        Call("approver", "sagemaker", "ListModelPackages", lambda w: {"ModelPackageGroupName": w.group}),
        id="approver-lists-versions",
    ),
    pytest.param(Call("approver", "sagemaker", "Search", search), id="approver-searches"),
    pytest.param(
        Call("approver", "sagemaker", "DescribeEndpoint", named_endpoint("staging")),
        id="approver-reads-staging-status",
    ),
]


@pytest.mark.parametrize("call", MUST_BE_ALLOWED)
def test_must_be_allowed(world: World, call: Call) -> None:
    verdict = decide(world, call)
    assert verdict.allowed, verdict.explain()
