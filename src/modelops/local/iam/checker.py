"""Check policies against the service authorization reference: every action named exists, and every
condition key exists for at least one of its statement's actions (or is a global ``aws:`` key).

A key that exists nowhere is silently never present in a request context: a Deny conditioned on it never
fires, and an ``...IfExists`` Allow on it always does. IAM compares names case-insensitively, so a key
spelled differently from the reference still matches; that is reported as a note, not an error.
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from modelops.local.iam import reference
from modelops.local.iam.conditions import parse_operator
from modelops.local.iam.errors import PolicyError
from modelops.local.iam.policy import Policy, Statement
from modelops.local.iam.principals import Principals

ERROR = "error"
NOTE = "note"


@dataclass(frozen=True, order=True)
class Finding:
    severity: str
    policy: str
    statement: str
    problem: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.statement}: {self.problem}"


def _actions(statement: Statement) -> tuple[list[str], list[Finding]]:
    """The reference actions a statement names (for NotAction: every action of the services it names)."""
    names: list[str] = []
    findings: list[Finding] = []
    patterns = statement.actions if statement.actions is not None else statement.not_actions or ()
    for pattern in patterns:
        if pattern == "*":
            continue
        try:
            matched = reference.actions_matching(pattern)
            if statement.not_actions is not None:
                matched = reference.actions_matching(pattern.split(":", 1)[0] + ":*")
        except reference.UnknownAction as error:
            findings.append(Finding(ERROR, statement.policy, statement.label, str(error)))
            continue
        if not matched:
            findings.append(
                Finding(
                    ERROR, statement.policy, statement.label, f"{pattern} names no action in the reference"
                )
            )
        names.extend(matched)
    return names, findings


def check_statement(statement: Statement) -> list[Finding]:
    actions, findings = _actions(statement)
    for operator, block in statement.conditions.items():
        try:
            parse_operator(operator)
        except PolicyError as error:
            findings.append(Finding(ERROR, statement.policy, statement.label, str(error)))
        for key in block:
            findings.extend(_check_key(statement, actions, key))
    return findings


def _check_key(statement: Statement, actions: list[str], key: str) -> list[Finding]:
    if any(reference.key_matches(listed, key) for listed in reference.GLOBAL_KEYS):
        return []
    if not actions:  # Action "*": any service's key may apply
        return []
    spelled = {reference.canonical_key(name, key) for name in actions} - {None}
    if not spelled:
        names = ", ".join(sorted(set(actions))[:4]) + (" ..." if len(set(actions)) > 4 else "")
        return [
            Finding(
                ERROR, statement.policy, statement.label, f"condition key {key} exists for none of {names}"
            )
        ]
    canonical = sorted(s for s in spelled if s is not None)[0]
    if "${" not in canonical and "<" not in canonical and canonical != key:
        return [
            Finding(
                NOTE,
                statement.policy,
                statement.label,
                f"condition key {key} is spelled {canonical} in the reference (matches: names compare "
                "case-insensitively)",
            )
        ]
    return []


def check_policies(policies: Iterable[Policy]) -> list[Finding]:
    return sorted({f for policy in policies for s in policy.statements for f in check_statement(s)})


def check_principals(principals: Principals) -> list[Finding]:
    """Every identity, trust and resource policy of an assembly."""
    policies: list[Policy] = [p for i in principals.identities.values() for p in i.policies]
    policies += [i.trust_policy for i in principals.identities.values() if i.trust_policy]
    policies += list(principals.resource_policies.values())
    return check_policies({p.name: p for p in policies}.values())
