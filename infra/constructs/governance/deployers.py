"""What each deployer role may record on a model package: its own stage transitions, from the states the
lifecycle moves them from (``Current*`` keys), with only its own evidence.

These roles hold no policy but the deployer's, so each Allow is exact and nothing else grants more; the
one Deny below guards the line no deployer may cross (approving a version).
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam

from infra.constructs.governance.keys import (
    APPROVAL,
    CURRENT_STAGE,
    CURRENT_STATUS,
    PROTECTED,
    STAGE,
    STATUS,
    TO_REMOVE,
    absent,
    current_metadata,
    merge,
    metadata,
    present,
    writes_only,
)
from modelops.contract import lifecycle as lc

_UPDATE = "sagemaker:UpdateModelPackage"


def _record(sid: str, packages: str, conditions: dict) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=[_UPDATE], resources=[packages], conditions=conditions)


def _clear_owed_notices(packages: str) -> iam.PolicyStatement:
    """Removing the mark of a notice once SNS took it (``modelops.deploy.owed``): the owed-notice keys only,
    no stage, no approval, no other key written. The mark is written with the state it reports, under the
    record statements above (it is not evidence: no gate reads it)."""
    return _record(
        "ClearOwedNotices",
        packages,
        merge(
            absent([APPROVAL, STAGE, *(metadata(key) for key in PROTECTED)]),
            present(TO_REMOVE),
            {"ForAllValues:StringLike": {TO_REMOVE: [lc.META_NOTIFICATION_OWED_PREFIX + "*"]}},
        ),
    )


def _never_approve(packages: str) -> iam.PolicyStatement:
    # Approval is the approver's alone: whatever a future Allow says, no deployer sets Approved or pending.
    return iam.PolicyStatement(
        sid="DenyApproving",
        effect=iam.Effect.DENY,
        actions=[_UPDATE],
        resources=[packages],
        conditions={"StringEquals": {APPROVAL: [lc.APPROVED, lc.PENDING]}},
    )


def staging_record_statements(packages: str) -> list[iam.PolicyStatement]:
    """Deploying an approved version (fresh, or approved again after a rejection), passing it with the
    verifier's evidence, or failing/rejecting it; never a version past staging."""
    staging = lc.STAGE_STAGING
    return [
        _record(
            "RecordStagingDeploys",
            packages,
            merge(
                {"StringEquals": {STAGE: staging, STATUS: [lc.STATUS_DEPLOYING, lc.STATUS_FAILED]}},
                # Fresh (Development or no stage yet), a retry after Staging/Failed, or a Deploying version
                # superseded before its verification ran; never Passed, Production or Archived.
                {
                    "StringEqualsIfExists": {
                        CURRENT_STAGE: [lc.STAGE_DEVELOPMENT, staging],
                        CURRENT_STATUS: [lc.STATUS_REGISTERED, lc.STATUS_FAILED, lc.STATUS_DEPLOYING],
                    }
                },
                absent([APPROVAL]),
                # The digest of the containers it deployed (staging.deploy_staging).
                writes_only((lc.META_STAGING_SPEC,)),
            ),
        ),
        _record(
            "RecordStagingPassed",
            packages,
            merge(
                {
                    "StringEquals": {
                        STAGE: staging,
                        STATUS: lc.STATUS_PASSED,
                        CURRENT_STAGE: staging,
                        CURRENT_STATUS: lc.STATUS_DEPLOYING,
                    }
                },
                absent([APPROVAL]),
                writes_only((lc.META_STAGING_VERIFICATION, lc.META_STAGING_ARTIFACT)),
            ),
        ),
        _record(
            "RejectFailedStagingVersions",
            packages,
            merge(
                {
                    "StringEquals": {
                        APPROVAL: lc.REJECTED,
                        STAGE: staging,
                        STATUS: lc.STATUS_FAILED,
                        CURRENT_STAGE: staging,
                        CURRENT_STATUS: lc.STATUS_DEPLOYING,
                    }
                },
                writes_only((lc.META_REJECTION_NOTIFIED,)),
            ),
        ),
        # An approver who set Production before verification ended (the production deployer refused it:
        # Production/Failed, or not yet: Production/Approved) still gets the verdict recorded. Only on a
        # version with no staging verdict: one that passed staging is never taken back from production.
        _record(
            "RecordVerdictOverPrematurePromotion",
            packages,
            merge(
                {
                    "StringEquals": {
                        STAGE: staging,
                        STATUS: [lc.STATUS_PASSED, lc.STATUS_FAILED],
                        CURRENT_STAGE: lc.STAGE_PRODUCTION,
                        CURRENT_STATUS: [lc.STATUS_APPROVED, lc.STATUS_FAILED],
                    },
                    "StringEqualsIfExists": {APPROVAL: lc.REJECTED},
                },
                {"Null": {current_metadata(lc.META_STAGING_VERIFICATION): "true"}},
                writes_only(
                    (
                        lc.META_STAGING_VERIFICATION,
                        lc.META_STAGING_ARTIFACT,
                        lc.META_REJECTION_NOTIFIED,
                    )
                ),
            ),
        ),
        _clear_owed_notices(packages),
        _never_approve(packages),
    ]


def production_record_statements(packages: str, *, shadow_gate: bool = False) -> list[iam.PolicyStatement]:
    """Starting or refusing a requested promotion/rollback, recording its outcome with what production
    served, and archiving the version it replaced; never approval, never a version the approver did not
    send to production."""
    production = lc.STAGE_PRODUCTION
    requested = [lc.STATUS_APPROVED, lc.STATUS_ROLLBACK_REQUESTED]
    return [
        _record(
            "StartRequestedProductionDeploys",
            packages,
            merge(
                {
                    "StringEquals": {
                        STAGE: production,
                        STATUS: [lc.STATUS_DEPLOYING, lc.STATUS_FAILED],
                        CURRENT_STAGE: production,
                        # ShadowTesting: the blue/green update (or its refusal) after a passing verdict.
                        CURRENT_STATUS: [*requested, *([lc.STATUS_SHADOW_TESTING] if shadow_gate else [])],
                    }
                },
                absent([APPROVAL]),
                writes_only(()),
            ),
        ),
        *(_shadow_test_records(packages) if shadow_gate else []),
        _record(
            "RecordProductionOutcomes",
            packages,
            merge(
                {
                    "StringEquals": {
                        STAGE: production,
                        STATUS: [lc.STATUS_DEPLOYED, lc.STATUS_ROLLED_BACK],
                        CURRENT_STAGE: production,
                        CURRENT_STATUS: lc.STATUS_DEPLOYING,
                    }
                },
                absent([APPROVAL]),
                writes_only((lc.META_PRODUCTION_SERVED,)),
            ),
        ),
        _record(
            "ArchiveReplacedProductionVersions",
            packages,
            merge(
                {
                    "StringEquals": {
                        STAGE: lc.STAGE_ARCHIVED,
                        STATUS: [lc.STATUS_RETIRED, lc.STATUS_ROLLED_BACK],
                        CURRENT_STAGE: production,
                    }
                },
                absent([APPROVAL]),
                writes_only(()),
            ),
        ),
        _clear_owed_notices(packages),
        _never_approve(packages),
    ]


def _shadow_test_records(packages: str) -> list[iam.PolicyStatement]:
    """The shadow gate's records (``modelops.deploy.shadow_gate``): a promotion's test started or refused to
    start; a test's failure (from the evaluator's verdict, which this role only reads); an approver's stop."""
    production = lc.STAGE_PRODUCTION

    def record(sid: str, statuses: list[str], current: str) -> iam.PolicyStatement:
        return _record(
            sid,
            packages,
            merge(
                {
                    "StringEquals": {
                        STAGE: production,
                        STATUS: statuses,
                        CURRENT_STAGE: production,
                        CURRENT_STATUS: current,
                    }
                },
                absent([APPROVAL]),
                writes_only(()),
            ),
        )

    return [
        record("StartShadowTests", [lc.STATUS_SHADOW_TESTING, lc.STATUS_SHADOW_FAILED], lc.STATUS_APPROVED),
        record("RecordShadowFailures", [lc.STATUS_SHADOW_FAILED], lc.STATUS_SHADOW_TESTING),
        # An approver rejected the version under test (the approval stays theirs: absent from the record).
        record("RecordShadowStops", [lc.STATUS_SHADOW_STOPPED], lc.STATUS_SHADOW_TESTING),
    ]


def evaluator_record_statements(packages: str) -> list[iam.PolicyStatement]:
    """Recording a shadow test's verdict: that one evidence key, on a version at Production/ShadowTesting;
    no stage, no approval, nothing removed. Acting on it is the production deployer's."""
    return [
        _record(
            "RecordShadowVerdicts",
            packages,
            merge(
                {
                    "StringEquals": {
                        CURRENT_STAGE: lc.STAGE_PRODUCTION,
                        CURRENT_STATUS: lc.STATUS_SHADOW_TESTING,
                    }
                },
                absent([APPROVAL, STAGE, STATUS]),
                present(metadata(lc.META_SHADOW_VERDICT)),
                writes_only((lc.META_SHADOW_VERDICT,)),
            ),
        ),
        _never_approve(packages),
    ]


def notifier_record_statements(packages: str) -> list[iam.PolicyStatement]:
    """Marking a rejection as notified: that one key, no approval, no stage."""
    return [
        _record(
            "MarkRejectionNotified",
            packages,
            merge(absent([APPROVAL, STAGE]), writes_only((lc.META_REJECTION_NOTIFIED,))),
        ),
        _clear_owed_notices(packages),
        _never_approve(packages),
    ]
