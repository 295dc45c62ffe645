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


# The denies name this group's versions only (a Create authorizes on the new version's ARN as well), so they
# bind nothing of other groups in the account; and they stay short: a managed policy holds 6,144 characters.
def protected_metadata_denies(resources: Sequence[str]) -> list[iam.PolicyStatement]:
    """No human role sets or removes an evidence key (at registration or later) or rewrites a registration
    fact (the champion's metric, the samples verification reads, the lineage)."""
    statements = [
        _deny(f"DenyWriting{_sid(key)}", (_CREATE, _UPDATE), resources, present(metadata(key)))
        for key in lc.EVIDENCE_KEYS
    ]
    statements += [
        _deny(f"DenyRewriting{_sid(key)}", (_UPDATE,), resources, present(metadata(key)))
        for key in lc.REGISTRATION_FACTS
    ]
    statements.append(
        _deny(
            "DenyRemovingProtected",
            (_UPDATE,),
            resources,
            {"ForAnyValue:StringEquals": {TO_REMOVE: list(PROTECTED)}},
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


def data_scientist_statements(group_arn: str, packages: str) -> list[iam.PolicyStatement]:
    """Register pending versions in Development and annotate versions still in Development."""
    resources = [packages]
    return [
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
        *protected_metadata_denies(resources),
    ]


def approver_statements(group_arn: str, packages: str) -> list[iam.PolicyStatement]:
    """Approve or reject; promote a version the staging verifier passed; ask to roll back to a version
    production served. Every other stage is recorded by the deployers."""
    resources = [packages]
    promote = {STAGE: lc.STAGE_PRODUCTION, STATUS: lc.STATUS_APPROVED}
    rollback = {STAGE: lc.STAGE_PRODUCTION, STATUS: lc.STATUS_ROLLBACK_REQUESTED}
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
        iam.PolicyStatement(
            sid="PromoteVersionsThatPassedStaging",
            actions=[_UPDATE],
            resources=[packages],
            conditions={
                "StringEquals": {
                    **promote,
                    CURRENT_STAGE: lc.STAGE_STAGING,
                    CURRENT_STATUS: lc.STATUS_PASSED,
                },
                "Null": {APPROVAL: "true", current_metadata(lc.META_STAGING_VERIFICATION): "false"},
            },
        ),
        iam.PolicyStatement(
            sid="RollBackToVersionsProductionServed",
            actions=[_UPDATE],
            resources=[packages],
            conditions={
                "StringEquals": {
                    **rollback,
                    CURRENT_STAGE: lc.STAGE_ARCHIVED,
                    CURRENT_STATUS: lc.STATUS_RETIRED,
                },
                "Null": {APPROVAL: "true", current_metadata(lc.META_PRODUCTION_SERVED): "false"},
            },
        ),
        _deny(
            "DenySystemStages",
            (_UPDATE,),
            resources,
            {"StringEquals": {STAGE: [lc.STAGE_DEVELOPMENT, lc.STAGE_STAGING, lc.STAGE_ARCHIVED]}},
        ),
        _deny(
            "DenySystemProductionStatuses",
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
            "DenyPromotionUnlessPassed",
            (_UPDATE,),
            resources,
            {"StringEquals": promote, "StringNotEquals": {CURRENT_STATUS: lc.STATUS_PASSED}},
        ),
        _deny(
            "DenyPromotionUnverified",
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
            "DenyRollbackNeverServed",
            (_UPDATE,),
            resources,
            {"StringEquals": rollback, "Null": {current_metadata(lc.META_PRODUCTION_SERVED): "true"}},
        ),
        _deny("DenyResettingToPending", (_UPDATE,), resources, {"StringEquals": {APPROVAL: lc.PENDING}}),
        # What production serves or is about to serve changes only through the deployer (or a rollback of
        # another version); a rejection or a stage change would leave the endpoint and the registry apart.
        _deny(
            "DenyChangingLiveVersions",
            (_UPDATE,),
            resources,
            {"StringEquals": {CURRENT_STAGE: lc.STAGE_PRODUCTION, CURRENT_STATUS: list(LIVE_IN_PRODUCTION)}},
        ),
        *protected_metadata_denies(resources),
    ]
