"""What the human roles may do to model packages: the data scientist registers and annotates, the approver
approves, rejects, promotes and asks for rollbacks. Neither writes the system's evidence.

Every refusal is an explicit Deny as well as a missing Allow: these managed policies are attached to people's
roles (an SSO permission set, a group), which often also hold AWS managed policies such as
AmazonSageMakerFullAccess whose Allow on ``sagemaker:*`` would otherwise grant what is withheld here. An
explicit Deny wins over any Allow (IAM policy evaluation logic).
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from infra.constructs.governance.keys import (
    APPROVAL,
    CURRENT_STAGE,
    CURRENT_STATUS,
    LIVE_IN_PRODUCTION,
    PROTECTED,
    STAGE,
    STATUS,
    TO_REMOVE,
    current_metadata,
    merge,
    metadata,
    present,
)
from modelops.contract import lifecycle as lc

_CREATE, _UPDATE = "sagemaker:CreateModelPackage", "sagemaker:UpdateModelPackage"
# CreateModelPackage and UpdateModelPackage in one pattern, for the managed policy's 6,144 characters: the
# other actions it matches (DescribeModelPackage, DeleteModelPackage, BatchDescribeModelPackage) carry no
# CustomerMetadataProperties key, so a deny conditioned on one never applies to them; a future write action
# the pattern matches is denied too (fails closed).
_WRITE_PACKAGE = ("sagemaker:*ModelPackage",)


def _sid(key: str) -> str:
    return "".join(part.title() for part in key.replace("_", ".").split(".")[-2:])


def _deny(
    sid: str, actions: Sequence[str], resources: Sequence[str], conditions: dict
) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid=sid,
        effect=iam.Effect.DENY,
        actions=list(actions),
        resources=list(resources),
        conditions=conditions,
    )


# The denies name every resource ("*"), not this group's versions: a managed policy holds at most 6,144
# characters, and with a 63-character group name in a long partition every ARN-scoped deny costs some 130 of
# them, which left the approver's policy over the limit. The cost of the short form is that a person holding
# one of these policies follows this lifecycle (and never writes the evidence keys) in every model package
# group of the account: it fails closed, never open. Denies bind only the actions they name (model package
# create/update/delete), so nothing else of SageMaker is affected.
ANY = ["*"]


def protected_metadata_denies() -> list[iam.PolicyStatement]:
    """No human role sets or removes an evidence key (at registration or later), rewrites a registration
    fact (the champion's metric, the samples verification sends) or deletes a version."""
    resources = ANY
    statements = [
        _deny(f"DenyWriting{_sid(key)}", _WRITE_PACKAGE, resources, present(metadata(key)))
        for key in lc.EVIDENCE_KEYS
    ]
    statements += [
        _deny(f"DenyRewriting{_sid(key)}", (_UPDATE,), resources, present(metadata(key)))
        for key in lc.REGISTRATION_FACTS
    ]
    # Only the pipeline says a pipeline execution measured the version (the gate's trust in its metric).
    statements += [
        _deny(f"DenyClaiming{_sid(key)}", _WRITE_PACKAGE, resources, present(metadata(key)))
        for key in lc.SYSTEM_PROVENANCE
    ]
    statements.append(
        _deny(
            "DenyRemovingProtected",
            (_UPDATE,),
            resources,
            {"ForAnyValue:StringEquals": {TO_REMOVE: [*PROTECTED, *lc.SYSTEM_PROVENANCE]}},
        )
    )
    # A notice the system owes is not silenced by removing its mark before it was sent. (Writing one is
    # not denied here, for the policy's size: a person can write metadata only while a version is in
    # Development, and modelops.deploy.owed publishes nothing but a rejection owed on such a version.)
    statements.append(
        _deny(
            "DenyRemovingOwedNotices",
            (_UPDATE,),
            resources,
            {"ForAnyValue:StringLike": {TO_REMOVE: [lc.META_NOTIFICATION_OWED_PREFIX + "*"]}},
        )
    )
    # Nothing is deleted (DESIGN.md): neither a version nor the group, nor the group's resource policy.
    statements.append(
        _deny(
            "DenyDeleting",
            (
                "sagemaker:DeleteModelPackage",
                "sagemaker:DeleteModelPackageGroup",
                "sagemaker:DeleteModelPackageGroupPolicy",
                "sagemaker:PutModelPackageGroupPolicy",
            ),
            resources,
            {},
        )
    )
    return statements


def data_scientist_statements(
    group_arn: str, packages: str, pipeline_arns: Sequence[str] = ()
) -> list[iam.PolicyStatement]:
    """Register pending versions in Development and annotate versions still in Development; start the
    training pipelines ``pipeline_arns`` and watch their executions."""
    resources = ANY
    return [
        *_start_training(pipeline_arns),
        iam.PolicyStatement(
            sid="RegisterPendingVersions",
            actions=[_CREATE],
            resources=[group_arn, packages],
            # IfExists: a registration may carry no ModelLifeCycle (the SDK's RegisterModel step sends none).
            conditions={
                "StringEqualsIfExists": {
                    APPROVAL: lc.PENDING,
                    STAGE: lc.STAGE_DEVELOPMENT,
                    STATUS: lc.STATUS_REGISTERED,
                }
            },
        ),
        iam.PolicyStatement(
            sid="AnnotateVersionsInDevelopment",
            actions=[_UPDATE],
            resources=[packages],
            conditions=merge(
                {"Null": {APPROVAL: "true", STAGE: "true"}},
                {"StringEqualsIfExists": {CURRENT_STAGE: lc.STAGE_DEVELOPMENT}},
            ),
        ),
        _deny("DenyApprovalChanges", (_UPDATE,), resources, present(APPROVAL)),
        _deny(
            "DenyRegisteringApproved",
            (_CREATE,),
            resources,
            merge(present(APPROVAL), {"StringNotEquals": {APPROVAL: lc.PENDING}}),
        ),
        _deny("DenyStageChanges", (_UPDATE,), resources, present(STAGE)),
        _deny(
            "DenyRegisteringPastDevelopment",
            (_CREATE,),
            resources,
            merge(present(STAGE), {"StringNotEquals": {STAGE: lc.STAGE_DEVELOPMENT}}),
        ),
        _deny(
            "DenyRegisteringPastRegistered",
            (_CREATE,),
            resources,
            merge(present(STATUS), {"StringNotEquals": {STATUS: lc.STATUS_REGISTERED}}),
        ),
        # Once the system has moved a version (staging, production, archive), only the system changes it.
        _deny(
            "DenyUpdatesPastDevelopment",
            (_UPDATE,),
            resources,
            merge(present(CURRENT_STAGE), {"StringNotEquals": {CURRENT_STAGE: lc.STAGE_DEVELOPMENT}}),
        ),
        *protected_metadata_denies(),
    ]


def _start_training(pipeline_arns: Sequence[str]) -> list[iam.PolicyStatement]:
    """Start the training pipeline, which then runs under its own execution role (SageMaker assumes it; the
    caller needs no iam:PassRole for a pipeline's own role: StartPipelineExecution's RoleArn is only for
    pipelines AWS manages, SageMaker API reference). The service authorization reference lists resource
    type ``pipeline`` for both actions and no condition key on parameter values: what a parameter may do
    is the definition's business (its gate and EnumValues) and the execution role's (what it registers).
    (Watching an execution, DescribePipelineExecution on ``pipeline/<name>/execution/*``, does not fit
    in IAM's 6,144 characters beside the denies; ``modelops local run-pipeline`` prints the outcome.)"""
    if not pipeline_arns:
        return []
    return [
        iam.PolicyStatement(
            sid="StartTheTrainingPipeline",
            actions=["sagemaker:DescribePipeline", "sagemaker:StartPipelineExecution"],
            resources=list(pipeline_arns),
        )
    ]


def approver_statements(group_arn: str, packages: str) -> list[iam.PolicyStatement]:
    """Approve or reject; promote a version the staging verifier passed; ask to roll back to a version
    production served. Every other stage is recorded by the deployers."""
    resources = ANY
    # A status names its stage here: DenySystemStages refuses every other stage with any status.
    promote = {STATUS: lc.STATUS_APPROVED}
    rollback = {STATUS: lc.STATUS_ROLLBACK_REQUESTED}
    return [
        iam.PolicyStatement(
            sid="ApproveOrReject",
            actions=[_UPDATE],
            resources=[packages],
            conditions={
                "StringEquals": {APPROVAL: [lc.APPROVED, lc.REJECTED]},
                "Null": {STAGE: "true"},
            },
        ),
        # Promotion and rollback requests; from which state each may be made is the denies' business below
        # (Production only from Staging/Passed with the verifier's record; a rollback only to a version
        # production served), so the rule holds even where another policy allows UpdateModelPackage.
        iam.PolicyStatement(
            sid="PromoteOrRollBack",
            actions=[_UPDATE],
            resources=[packages],
            conditions={
                "StringEquals": {
                    STAGE: lc.STAGE_PRODUCTION,
                    STATUS: [lc.STATUS_APPROVED, lc.STATUS_ROLLBACK_REQUESTED],
                },
                "Null": {APPROVAL: "true"},
            },
        ),
        _deny(
            "DenySystemStages",
            (_UPDATE,),
            resources,
            merge(present(STAGE), {"StringNotEquals": {STAGE: lc.STAGE_PRODUCTION}}),
        ),
        _deny(
            "DenySystemStatuses",
            (_UPDATE,),
            resources,
            {
                "StringEquals": {STAGE: lc.STAGE_PRODUCTION},
                "StringNotEquals": {STATUS: [lc.STATUS_APPROVED, lc.STATUS_ROLLBACK_REQUESTED]},
            },
        ),
        # Production only from Staging/Passed with the verifier's record. Passed is a status of Staging only
        # and Retired one of Archived only (lifecycle.py), so the status alone names the state; a negated
        # operator is true when the stored key is absent: a version with no stage cannot be promoted.
        _deny(
            "DenyPromoteUnlessPassed",
            (_UPDATE,),
            resources,
            {"StringEquals": promote, "StringNotEquals": {CURRENT_STATUS: lc.STATUS_PASSED}},
        ),
        _deny(
            "DenyPromoteUnverified",
            (_UPDATE,),
            resources,
            {"StringEquals": promote, "Null": {current_metadata(lc.META_STAGING_VERIFICATION): "true"}},
        ),
        _deny(
            "DenyRollbackUnlessRetired",
            (_UPDATE,),
            resources,
            {"StringEquals": rollback, "StringNotEquals": {CURRENT_STATUS: lc.STATUS_RETIRED}},
        ),
        _deny(
            "DenyRollbackUnserved",
            (_UPDATE,),
            resources,
            {"StringEquals": rollback, "Null": {current_metadata(lc.META_PRODUCTION_SERVED): "true"}},
        ),
        # What production serves or is about to serve changes only through the deployer (or a rollback of
        # another version); a rejection or a stage change would leave the endpoint and the registry apart.
        _deny(
            "DenyTouchingLive",
            (_UPDATE,),
            resources,
            {"StringEquals": {CURRENT_STAGE: lc.STAGE_PRODUCTION, CURRENT_STATUS: list(LIVE_IN_PRODUCTION)}},
        ),
        *protected_metadata_denies(),
    ]


# What writes to or deletes from the audit log (its group, streams, events, retention, key: the CloudWatch Logs
# actions of resource types log-group/log-stream that create, put, delete, associate or disassociate) and what
# stops its rules from recording (the EventBridge rule actions that put, delete, disable or remove targets).
# Written with wildcards: on these resources only, every such action is one no person needs.
AUDIT_WRITES = (
    "logs:Create*",
    "logs:Put*",
    "logs:Delete*",
    "logs:*KmsKey",
    "events:Put*",
    "events:Delete*",
    "events:Disable*",
    "events:Remove*",
)


def audit_log_denies(log_group_pattern: str, rules_pattern: str) -> list[iam.PolicyStatement]:
    """No human role writes, forges or deletes an audit record, shortens its retention or stops the rules
    that write it; only EventBridge writes the log (its resource policy). Scoped to the audit log and rules,
    so people keep whatever they may do with other log groups and rules. The patterns are
    ``AuditTrail.log_pattern`` (the group and its streams; a group whose name extends this one's too, which
    fails closed) and ``AuditTrail.rules_pattern``."""
    return [_deny("DenyAuditWrites", AUDIT_WRITES, [log_group_pattern, rules_pattern], {})]
