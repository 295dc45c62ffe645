"""The deployer's routes: which event reaches which handler, under which role.

One route per event type (``modelops.contract.names.HANDLERS``). The patterns match on the contract's event
vocabulary and lifecycle strings, so they agree with what the handlers act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from modelops.contract import lifecycle
from modelops.contract.events import ENDPOINT_STATE_CHANGE, PACKAGE_STATE_CHANGE

# The Lambdas that act on one endpoint share a role, since each of them may have to deploy it (a verifier or
# finalizer starts the request that arrived while the endpoint was busy). Nothing else is shared: the staging
# role cannot change production, the production role cannot invoke anything, the notifier touches no endpoint.
STAGING_ROLE, PRODUCTION_ROLE, NOTIFIER_ROLE = "Staging", "Production", "Notifier"
# With the shadow gate on: the evaluator judges shadow tests and changes nothing that is served.
EVALUATOR_ROLE = "ShadowEvaluator"
ROLE_DESCRIPTIONS = {
    STAGING_ROLE: "deploys and verifies the staging endpoint",
    PRODUCTION_ROLE: "deploys, finalizes and rolls back the production endpoint",
    NOTIFIER_ROLE: "notifies approvers of rejected versions",
    EVALUATOR_ROLE: "judges shadow tests on the production endpoint",
}
# How often the evaluator looks at the running shadow tests: a verdict is at most this late.
EVALUATOR_SCHEDULE = "rate(5 minutes)"

# The lifecycle states in which deploy_staging acts on an approval (``modelops.deploy.staging.awaits_staging``):
# never staged, or Staging/Failed approved again. Every other Approved update is one of our own lifecycle
# records (Staging/Deploying, Passed, Production/*, Archived/*), which would only invoke it to do nothing.
# ``exists`` works on leaf fields only, hence on Stage rather than on ModelLifeCycle.
AWAITING_STAGING = [
    {"ModelLifeCycle": {"Stage": [{"exists": False}]}},
    {"ModelLifeCycle": {"Stage": [lifecycle.STAGE_DEVELOPMENT]}},
    {"ModelLifeCycle": {"Stage": [lifecycle.STAGE_STAGING], "StageStatus": [lifecycle.STATUS_FAILED]}},
]


@dataclass(frozen=True)
class Route:
    """One rule and the Lambda it invokes: the handler (``modelops.deploy.handlers.<handler>``), its role,
    the event's detail-type and the detail pattern, or (``schedule``) the rule's ScheduleExpression."""

    handler: str
    role: str
    description: str
    detail_type: str
    detail: Mapping[str, object]
    timeout_seconds: int = 30
    schedule: str | None = None


def routes(
    group: str, staging_endpoint: str, production_endpoint: str, *, shadow_gate: bool = False
) -> tuple[Route, ...]:
    """The five routes of the deployer of ``group``, which manages the two endpoints, and with the shadow
    gate on the evaluator's schedule."""
    package_change = {"ModelPackageGroupName": [group]}
    evaluator = Route(
        "evaluate_shadow",
        EVALUATOR_ROLE,
        f"{production_endpoint}: judge the running shadow tests ({EVALUATOR_SCHEDULE})",
        "Scheduled Event",
        {},
        timeout_seconds=120,
        schedule=EVALUATOR_SCHEDULE,
    )
    return (
        Route(
            "deploy_staging",
            STAGING_ROLE,
            f"{group}: a version was approved -> deploy it to staging",
            PACKAGE_STATE_CHANGE,
            {**package_change, "ModelApprovalStatus": [lifecycle.APPROVED], "$or": AWAITING_STAGING},
        ),
        Route(
            "verify_staging",
            STAGING_ROLE,
            f"{staging_endpoint} changed state -> verify what it serves",
            ENDPOINT_STATE_CHANGE,
            {"EndpointName": [staging_endpoint]},
            timeout_seconds=120,
        ),
        Route(
            "deploy_production",
            PRODUCTION_ROLE,
            f"{group}: a version was promoted or rolled back to -> production",
            PACKAGE_STATE_CHANGE,
            {
                **package_change,
                "ModelLifeCycle": {
                    "Stage": [lifecycle.STAGE_PRODUCTION],
                    # ShadowTesting: the evaluator's verdict, an approver's rejection that ends the test, and
                    # the test's own records. Only with the gate on does a version reach it.
                    "StageStatus": [
                        lifecycle.STATUS_APPROVED,
                        lifecycle.STATUS_ROLLBACK_REQUESTED,
                        *([lifecycle.STATUS_SHADOW_TESTING] if shadow_gate else []),
                    ],
                },
            },
        ),
        Route(
            "finalize_production",
            PRODUCTION_ROLE,
            f"{production_endpoint} changed state -> record the outcome",
            ENDPOINT_STATE_CHANGE,
            {"EndpointName": [production_endpoint]},
        ),
        Route(
            "notify_rejected",
            NOTIFIER_ROLE,
            f"{group}: a version was rejected -> notify approvers",
            PACKAGE_STATE_CHANGE,
            {**package_change, "ModelApprovalStatus": [lifecycle.REJECTED]},
        ),
        *((evaluator,) if shadow_gate else ()),
    )
