"""The lifecycle rules (docs/architecture.md, "Lifecycle") as pure checks on a version's current state.

Each check raises :class:`IllegalTransitionError` naming the current state and what would be allowed, so the
registry refuses before it writes anything. The two governed moves, promotion to production and rollback,
have their own checks; ``set_stage`` is the low-level move the deployment automation uses, limited to
stage/status pairs the lifecycle defines and kept away from the governed targets.
"""

from __future__ import annotations

from typing import Final

from modelops.contract import lifecycle
from modelops.registry.entities import ModelVersion
from modelops.registry.errors import IllegalTransitionError, ReasonRequiredError

# Which StageStatus values belong to which Stage (lifecycle.py documents the same per constant).
STATUSES_BY_STAGE: Final[dict[str, tuple[str, ...]]] = {
    lifecycle.STAGE_DEVELOPMENT: (lifecycle.STATUS_REGISTERED,),
    lifecycle.STAGE_STAGING: (lifecycle.STATUS_DEPLOYING, lifecycle.STATUS_PASSED, lifecycle.STATUS_FAILED),
    lifecycle.STAGE_PRODUCTION: (
        lifecycle.STATUS_APPROVED,
        lifecycle.STATUS_DEPLOYING,
        lifecycle.STATUS_DEPLOYED,
        lifecycle.STATUS_FAILED,
        lifecycle.STATUS_ROLLED_BACK,
        lifecycle.STATUS_ROLLBACK_REQUESTED,
        lifecycle.STATUS_SHADOW_TESTING,
        lifecycle.STATUS_SHADOW_FAILED,
        lifecycle.STATUS_SHADOW_STOPPED,
    ),
    lifecycle.STAGE_ARCHIVED: (lifecycle.STATUS_RETIRED, lifecycle.STATUS_ROLLED_BACK),
}

ALL_STATUSES: Final = tuple(dict.fromkeys(s for statuses in STATUSES_BY_STAGE.values() for s in statuses))

# Targets only the governed verbs may set: promotion needs the staging gate, rollback needs a retired target.
GOVERNED: Final = {
    (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_APPROVED): "promote_version (modelops promote)",
    (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_ROLLBACK_REQUESTED): "rollback (modelops rollback)",
}

# A version in one of these states is what production serves or is about to serve.
LIVE_IN_PRODUCTION: Final = (
    lifecycle.STATUS_APPROVED,
    lifecycle.STATUS_DEPLOYING,
    lifecycle.STATUS_DEPLOYED,
    lifecycle.STATUS_ROLLBACK_REQUESTED,
)

MAX_REASON: Final = 1024  # ApprovalDescription and StageDescription are capped at 1,024 characters


def state(version: ModelVersion) -> str:
    """``Stage/StageStatus``, or ``(no stage)`` for a package registered without a ModelLifeCycle."""
    if version.stage is None:
        return "(no stage)"
    return f"{version.stage}/{version.stage_status}"


def require_reason(reason: str | None, action: str) -> str:
    if reason is None or not reason.strip():
        raise ReasonRequiredError(f"{action} needs a reason: say why (e.g. --reason 'rmse 52.1 < 53.8')")
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ReasonRequiredError(
            f"the reason is {len(reason)} characters; SageMaker keeps at most {MAX_REASON}"
        )
    return reason


def check_approve(version: ModelVersion, *, override: bool) -> None:
    if version.approval_status == lifecycle.REJECTED and not override:
        why = f" ({version.approval_description})" if version.approval_description else ""
        raise IllegalTransitionError(
            f"version {version.version} was rejected{why}; approving a rejected version needs an explicit "
            "override (override=True, or --override)"
        )


def check_reject(version: ModelVersion) -> None:
    if version.stage == lifecycle.STAGE_PRODUCTION and version.stage_status in LIVE_IN_PRODUCTION:
        raise IllegalTransitionError(
            f"version {version.version} is {state(version)}: production serves it or is being deployed "
            "with it, and a rejection would not take it out; wait for the deployment, roll back "
            "(modelops rollback), then reject it"
        )


def check_promote(version: ModelVersion, production: ModelVersion | None) -> None:
    if version.approval_status != lifecycle.APPROVED:
        raise IllegalTransitionError(
            f"version {version.version} is {version.approval_status}; only an Approved version that passed "
            "staging can be promoted"
        )
    gate = (lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    if (version.stage, version.stage_status) != gate:
        raise IllegalTransitionError(
            f"version {version.version} is {state(version)}; only a version in {gate[0]}/{gate[1]} "
            "(verified on the staging endpoint) can be promoted to production"
        )
    if lifecycle.META_STAGING_VERIFICATION not in version.properties:
        raise IllegalTransitionError(
            f"version {version.version} is {state(version)} but carries no staging verification record "
            f"({lifecycle.META_STAGING_VERIFICATION}); only the staging verifier can pass a version"
        )
    if production is not None and production.version > version.version:
        raise IllegalTransitionError(
            f"version {version.version} is older than production's version {production.version}; "
            "going back is a rollback (modelops rollback --to), not a promotion"
        )


def check_set_stage(version: ModelVersion, stage: str, status: str) -> None:
    if stage not in STATUSES_BY_STAGE:
        raise IllegalTransitionError(f"unknown stage {stage!r}; stages are {', '.join(STATUSES_BY_STAGE)}")
    if status not in STATUSES_BY_STAGE[stage]:
        allowed = ", ".join(STATUSES_BY_STAGE[stage])
        raise IllegalTransitionError(f"{stage} has no status {status!r}; it allows {allowed}")
    if (stage, status) in GOVERNED:
        raise IllegalTransitionError(f"{stage}/{status} is set only by {GOVERNED[(stage, status)]}")
    leaves_development = stage in (lifecycle.STAGE_STAGING, lifecycle.STAGE_PRODUCTION)
    if leaves_development and version.approval_status != lifecycle.APPROVED:
        raise IllegalTransitionError(
            f"version {version.version} is {version.approval_status}; "
            f"only an Approved version may enter {stage}"
        )


def check_rollback_target(target: ModelVersion, current: ModelVersion) -> None:
    if target.arn == current.arn:
        raise IllegalTransitionError(f"version {target.version} is already what production serves")
    if target.approval_status != lifecycle.APPROVED:
        raise IllegalTransitionError(
            f"version {target.version} is {target.approval_status}; a rollback target must be Approved"
        )
    if (target.stage, target.stage_status) != (lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_RETIRED):
        raise IllegalTransitionError(
            f"version {target.version} is {state(target)}; a rollback target must be a former production "
            f"version ({lifecycle.STAGE_ARCHIVED}/{lifecycle.STATUS_RETIRED})"
        )
    if lifecycle.META_PRODUCTION_SERVED not in target.properties:
        raise IllegalTransitionError(
            f"version {target.version} never served production (no {lifecycle.META_PRODUCTION_SERVED} "
            "record); a rollback goes back to a version production served"
        )
