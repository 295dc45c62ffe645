"""The decision for one request: explicit deny, allow, or implicit deny, and the statement that decided it.

Follows the IAM User Guide's policy evaluation logic for requests within one account:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
- every request starts implicitly denied; an explicit Deny in any applicable policy wins;
- within one account, an Allow from either the identity-based policies or the resource-based policy allows
  (their union), except where the service makes the resource policy authoritative: a KMS key policy must
  allow, itself or by delegating to the account's IAM policies with an account principal
  (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html), and so must a role's trust policy;
- a service principal has no identity policies: only the resource policy can allow it.

Cross-account requests (not modelled here) would need BOTH an allow in the caller's identity policies and
an allow in the resource policy naming the caller or its account; and where an account uses them, SCPs,
RCPs, permission boundaries and session policies would each have to allow as well (all of them absent
from this project's templates, so leaving them out changes no decision here).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from modelops.local.iam.conditions import (
    ContextValue,
    Unresolved,
    conditions_hold,
    normalize_context,
    substitute,
)
from modelops.local.iam.policy import (
    ALLOW,
    DENY,
    Policy,
    Principal,
    Statement,
    action_matches,
    arn_matches,
    delegated_accounts,
    principal_matches,
)


class Outcome(enum.Enum):
    EXPLICIT_DENY = "explicit deny"
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One authorization: a principal performs ``action`` on ``resource`` with a request context."""

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    request: Request
    statement: Statement | None = None  # the Deny that won, or the Allow that granted
    where: str = "identity-based policy"

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    def explain(self) -> str:
        """The refusal or grant in AWS's message shape, with the statement that decided it."""
        r = self.request
        who = f"{r.principal.arn} is" if self.allowed else f"User: {r.principal.arn} is not"
        head = f"{who} authorized to perform: {r.action} on resource: {r.resource}"
        if self.outcome is Outcome.EXPLICIT_DENY:
            assert self.statement is not None
            return f"{head} with an explicit deny in {_a(self.where)} ({self.statement.label})"
        if self.outcome is Outcome.ALLOW:
            assert self.statement is not None
            return f"{head}: allowed by {self.statement.label}"
        return f"{head} because no {self.where} allows the {r.action} action"


def _a(where: str) -> str:
    return f"an {where}" if where[0] in "aeiou" else f"a {where}"


def _applies(statement: Statement, request: Request, context: Mapping[str, tuple[str, ...]]) -> bool:
    """Action, resource and condition of ``statement`` all match (Principal is the caller's concern)."""
    action = request.action
    if statement.actions is not None and not any(action_matches(a, action) for a in statement.actions):
        return False
    if statement.not_actions is not None and any(action_matches(a, action) for a in statement.not_actions):
        return False
    if statement.resources is not None and not _any_resource(statement.resources, request.resource, context):
        return False
    if statement.not_resources is not None and _any_resource(
        statement.not_resources, request.resource, context
    ):
        return False
    return conditions_hold(statement.conditions, context)


def _any_resource(patterns: Iterable[str], resource: str, context: Mapping[str, tuple[str, ...]]) -> bool:
    for pattern in patterns:
        try:
            expanded = substitute(pattern, context, wildcard_escapes=True)
        except Unresolved:
            continue  # an unresolvable variable makes this entry match nothing
        if arn_matches(expanded, resource):
            return True
    return False


def _names_caller(statement: Statement, principal: Principal) -> bool:
    if statement.principals is not None:
        return principal_matches(statement.principals, principal)
    assert statement.not_principals is not None
    return not principal_matches(statement.not_principals, principal)


def _delegates(statement: Statement, principal: Principal) -> bool:
    return (
        statement.principals is not None
        and principal.service is None
        and principal.account in delegated_accounts(statement.principals)
    )


def _global_context(request: Request) -> dict[str, ContextValue]:
    # The keys IAM derives from the principal, unless the caller supplied them.
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    p = request.principal
    derived: dict[str, ContextValue] = {"aws:PrincipalType": p.kind}
    if p.service:
        derived["aws:PrincipalServiceName"] = p.service
    else:
        derived.update({"aws:PrincipalArn": p.arn, "aws:PrincipalAccount": p.account})
        if p.kind == "User":
            derived["aws:username"] = p.arn.rsplit("/", 1)[-1]
    return {**derived, **request.context}


def evaluate(
    request: Request,
    identity_policies: Sequence[Policy] = (),
    resource_policy: Policy | None = None,
    *,
    resource_policy_required: bool = False,
) -> Decision:
    """Decide ``request`` as IAM does within one account.

    ``identity_policies`` are the principal's (ignored for a service principal); ``resource_policy`` is the
    target's (bucket, topic, queue, key, function, group policy). ``resource_policy_required`` makes the
    resource policy authoritative, as for KMS keys: an identity Allow then counts only where the resource
    policy delegates the action to the caller's account.
    """
    context = normalize_context(_global_context(request))
    identity = [] if request.principal.service else list(identity_policies)
    identity_hits = [s for p in identity for s in p.statements if _applies(s, request, context)]
    resource_hits = (
        [s for s in resource_policy.statements if _applies(s, request, context)] if resource_policy else []
    )
    for statement in identity_hits:
        if statement.effect == DENY:
            return Decision(Outcome.EXPLICIT_DENY, request, statement, "identity-based policy")
    for statement in resource_hits:
        if statement.effect == DENY and (
            _names_caller(statement, request.principal) or _delegates(statement, request.principal)
        ):
            return Decision(Outcome.EXPLICIT_DENY, request, statement, "resource-based policy")
    allows = [s for s in resource_hits if s.effect == ALLOW]
    direct = next((s for s in allows if _names_caller(s, request.principal)), None)
    if direct is not None:
        return Decision(Outcome.ALLOW, request, direct, "resource-based policy")
    granted = next((s for s in identity_hits if s.effect == ALLOW), None)
    if granted is not None:
        if not resource_policy_required:
            return Decision(Outcome.ALLOW, request, granted)
        if any(_delegates(s, request.principal) for s in allows):
            return Decision(Outcome.ALLOW, request, granted)
    where = (
        "resource-based policy"
        if request.principal.service or resource_policy_required
        else "identity-based policy"
    )
    return Decision(Outcome.IMPLICIT_DENY, request, None, where)
