"""One call, decided: map the operation to its authorizations and evaluate each against the caller's identity
policies and the target's resource policy. The call is allowed only if every authorization is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelops.local.iam.cfn import Environment
from modelops.local.iam.evaluate import Decision, Request, evaluate
from modelops.local.iam.policy import Policy, Principal
from modelops.local.iam.principals import Identity, Principals
from modelops.local.iam.requests import Target, authorizations

# Services whose resource policy must allow (itself or by delegating to the account's IAM policies).
_AUTHORITATIVE = ("kms:", "sts:AssumeRole")


@dataclass(frozen=True)
class Verdict:
    """Every authorization one call needs, decided; ``refusal`` is the first one refused."""

    decisions: tuple[Decision, ...]

    @property
    def allowed(self) -> bool:
        return all(d.allowed for d in self.decisions)

    @property
    def refusal(self) -> Decision | None:
        return next((d for d in self.decisions if not d.allowed), None)

    def explain(self) -> str:
        refused = self.refusal
        return refused.explain() if refused else "; ".join(d.explain() for d in self.decisions)


class Authorizer:
    def __init__(self, principals: Principals, env: Environment) -> None:
        self.principals, self.env = principals, env

    def decide(
        self,
        caller: Identity | Principal,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        *,
        target: Target | None = None,
        secure_transport: bool = True,
        source_arn: str | None = None,
    ) -> Verdict:
        """Decide one API call by ``caller`` (an identity of the assembly, or a service principal)."""
        principal = caller.principal if isinstance(caller, Identity) else caller
        identity_policies = caller.policies if isinstance(caller, Identity) else ()
        found = authorizations(
            service,
            operation,
            params,
            env=self.env,
            target=target,
            secure_transport=secure_transport,
            source_arn=source_arn,
            source_account=principal.account if principal.service else None,
        )
        decisions = []
        for auth in found:
            resource_policy = self._resource_policy(auth.action, auth.resource)
            request = Request(principal, auth.action, auth.resource, auth.context)
            decisions.append(
                evaluate(
                    request,
                    identity_policies,
                    resource_policy,
                    # An account-level action (kms:ListKeys on "*") has no key policy: IAM policies decide it.
                    resource_policy_required=auth.action.startswith(_AUTHORITATIVE) and auth.resource != "*",
                )
            )
        return Verdict(tuple(decisions))

    def _resource_policy(self, action: str, resource: str) -> Policy | None:
        if action == "sts:AssumeRole":
            try:
                return self.principals.by_arn(resource).trust_policy
            except KeyError:
                return None  # a role the assembly does not define: no trust policy lets anyone in
        return self.principals.resource_policy(resource)
