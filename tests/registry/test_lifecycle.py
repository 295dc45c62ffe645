"""Approval, rejection, promotion, stage moves and rollback follow the lifecycle rules; a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.registry import (
    IllegalTransitionError,
    MalformedReferenceError,
    ModelRegistry,
    ReasonRequiredError,
    RegistryError,
    UnknownVersionError,
)
from tests.registry.conftest import deploy, record, register, snapshot, walk_to


def refused(sagemaker: Any, call: Callable[[], Any], error: type[RegistryError], match: str) -> None:
    before = snapshot(sagemaker)
    with pytest.raises(error, match=match):
        call()
    assert snapshot(sagemaker) == before


def test_approval_records_status_and_reason(registry: ModelRegistry) -> None:
    register(registry, 1)
    approved = registry.approve_version(1, "rmse 53.8 beats 55.1")
    assert approved.approval_status == lifecycle.APPROVED
    assert approved.approval_description == "rmse 53.8 beats 55.1"
    assert registry.get_version(1) == approved


def test_rejection_records_status_and_reason(registry: ModelRegistry) -> None:
    register(registry, 1)
    rejected = registry.reject_version("latest", "trained on leaked data")
    assert (rejected.approval_status, rejected.approval_description) == (
        lifecycle.REJECTED,
        "trained on leaked data",
    )


def test_rejected_version_is_approved_only_with_override(registry: ModelRegistry, sagemaker: Any) -> None:
    register(registry, 1)
    registry.reject_version(1, "bad")
    refused(
        sagemaker,
        lambda: registry.approve_version(1, "second look"),
        IllegalTransitionError,
        r"version 1 was rejected \(bad\); .*override",
    )
    approved = registry.approve_version(1, "second look: the leak was in the report only", override=True)
    assert approved.approval_status == lifecycle.APPROVED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_every_governed_change_needs_a_reason(registry: ModelRegistry, sagemaker: Any, reason: Any) -> None:
    register(registry, 1)
    for call in (
        lambda: registry.approve_version(1, reason),
        lambda: registry.reject_version(1, reason),
        lambda: registry.promote_version(1, reason),
        lambda: registry.rollback(reason),
        lambda: registry.set_stage(1, lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING, reason),
    ):
        refused(sagemaker, call, ReasonRequiredError, "needs a reason")


def test_a_reason_longer_than_sagemaker_keeps_is_refused(registry: ModelRegistry, sagemaker: Any) -> None:
    register(registry, 1)
    refused(sagemaker, lambda: registry.approve_version(1, "x" * 1025), ReasonRequiredError, "at most 1024")


def test_promotion_moves_a_verified_version_to_production_approved(registry: ModelRegistry) -> None:
    register(registry, 1)
    walk_to(registry, 1, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    promoted = registry.promote_version(1, "verified on staging, rmse better")
    assert (promoted.stage, promoted.stage_status) == (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_APPROVED)
    assert promoted.stage_description == "verified on staging, rmse better"


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        ("registered", "is PendingManualApproval; only an Approved version that passed staging"),
        ("approved", r"is Development/Registered; only a version in Staging/Passed"),
        ("deploying", r"is Staging/Deploying; only a version in Staging/Passed"),
        ("rejected", "is Rejected"),
        ("unverified", "carries no staging verification record"),
    ],
)
def test_promotion_is_refused_unless_the_version_passed_staging(
    registry: ModelRegistry, sagemaker: Any, setup: str, match: str
) -> None:
    register(registry, 1)
    if setup == "approved":
        registry.approve_version(1, "ok")
    elif setup == "deploying":
        walk_to(registry, 1, lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING)
    elif setup == "rejected":
        registry.reject_version(1, "no")
    elif setup == "unverified":
        registry.approve_version(1, "ok")
        registry.set_stage(1, lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING, "deploying")
        registry.set_stage(1, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED, "claimed by hand")
    refused(sagemaker, lambda: registry.promote_version(1, "go"), IllegalTransitionError, match)


def test_promoting_a_version_older_than_production_is_refused(
    registry: ModelRegistry, sagemaker: Any
) -> None:
    register(registry, 2)
    walk_to(registry, 1, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    walk_to(registry, 2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    refused(
        sagemaker,
        lambda: registry.promote_version(1, "go back"),
        IllegalTransitionError,
        "older than production's version 2; going back is a rollback",
    )


def test_rejecting_what_production_serves_is_refused(registry: ModelRegistry, sagemaker: Any) -> None:
    register(registry, 1)
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    refused(
        sagemaker,
        lambda: registry.reject_version(1, "oops"),
        IllegalTransitionError,
        "a rejection would not take it out",
    )


@pytest.mark.parametrize(
    ("stage", "status", "match"),
    [
        ("Testing", lifecycle.STATUS_PASSED, "unknown stage 'Testing'"),
        (lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYED, "Staging has no status 'Deployed'"),
        (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_APPROVED, "set only by promote_version"),
        (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_ROLLBACK_REQUESTED, "set only by rollback"),
        (lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING, "only an Approved version may enter Staging"),
    ],
)
def test_illegal_stage_moves_are_refused(
    registry: ModelRegistry, sagemaker: Any, stage: str, status: str, match: str
) -> None:
    register(registry, 1)
    refused(sagemaker, lambda: registry.set_stage(1, stage, status, "why"), IllegalTransitionError, match)


def test_rollback_requests_the_previous_production_version(registry: ModelRegistry) -> None:
    register(registry, 3)
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    walk_to(registry, 2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)  # v1 retired
    walk_to(registry, 3, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)  # v2 retired
    assert registry.get_version(1).stage_status == lifecycle.STATUS_RETIRED
    target = registry.rollback("p99 latency doubled")
    assert target.version == 2
    assert (target.stage, target.stage_status) == (
        lifecycle.STAGE_PRODUCTION,
        lifecycle.STATUS_ROLLBACK_REQUESTED,
    )
    assert target.stage_description == "rollback from version 3: p99 latency doubled"
    # Production still serves v3 until the deployer acts on the request.
    assert registry.get_version("production").version == 3


def test_a_second_rollback_goes_further_back(registry: ModelRegistry) -> None:
    register(registry, 3)
    for version in (1, 2, 3):
        walk_to(registry, version, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    registry.rollback("bad v3")
    deploy(registry, 2)  # the deployer redeploys v2; v3 -> Archived/RolledBack
    assert registry.get_version(3).stage_status == lifecycle.STATUS_ROLLED_BACK
    assert registry.rollback("v2 bad too").version == 1


def test_rollback_to_a_named_retired_version(registry: ModelRegistry) -> None:
    register(registry, 3)
    for version in (1, 2, 3):
        walk_to(registry, version, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    assert registry.rollback("go to the first", to=1).version == 1


def test_illegal_rollbacks_are_refused(registry: ModelRegistry, sagemaker: Any) -> None:
    register(registry, 4)
    refused(sagemaker, lambda: registry.rollback("why"), IllegalTransitionError, "nothing to roll back")
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    refused(
        sagemaker, lambda: registry.rollback("why"), IllegalTransitionError, "no earlier production version"
    )
    walk_to(registry, 2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    walk_to(registry, 3, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    refused(
        sagemaker, lambda: registry.rollback("why", to=2), IllegalTransitionError, "already what production"
    )
    refused(
        sagemaker,
        lambda: registry.rollback("why", to=3),
        IllegalTransitionError,
        "must be a former production",
    )
    refused(
        sagemaker, lambda: registry.rollback("why", to=4), IllegalTransitionError, "is PendingManualApproval"
    )
    refused(sagemaker, lambda: registry.rollback("why", to=9), UnknownVersionError, "does not exist")
    refused(
        sagemaker,
        lambda: registry.rollback("why", to="nine"),
        MalformedReferenceError,
        "unknown version reference",
    )
    registry.rollback("first")
    refused(sagemaker, lambda: registry.rollback("again"), IllegalTransitionError, "already requested")


def test_rollback_refuses_a_retired_version_production_never_served(
    registry: ModelRegistry, sagemaker: Any
) -> None:
    register(registry, 2)
    walk_to(registry, 2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    walk_to(registry, 1, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    registry.set_stage(1, lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_RETIRED, "superseded in staging")
    refused(
        sagemaker, lambda: registry.rollback("why", to=1), IllegalTransitionError, "never served production"
    )


def test_approving_twice_changes_nothing(registry: ModelRegistry, sagemaker: Any) -> None:
    register(registry, 1)
    first = registry.approve_version(1, "first")
    before = snapshot(sagemaker)
    assert registry.approve_version(1, "again") == first
    assert snapshot(sagemaker) == before


def test_deployer_records_do_not_hide_registry_metadata(registry: ModelRegistry, sagemaker: Any) -> None:
    (version,) = register(registry, 1)
    record(sagemaker, version.arn, lifecycle.META_PRODUCTION_SERVED, "modelops-production")
    fetched = registry.get_version(1)
    assert fetched.metrics == version.metrics
    assert fetched.properties[lifecycle.META_PRODUCTION_SERVED] == "modelops-production"
