"""Policy documents as IAM reads them: statements, and how Action, Resource and Principal match a request.

References (IAM User Guide):
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html and
  ..._elements_notaction.html: action names are case-insensitive; ``*`` and ``?`` are wildcards;
  ``NotAction`` matches every action except those listed.
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html and
  ..._elements_notresource.html: ARNs are matched with ``*``/``?`` per colon-separated segment, case-sensitively;
  policy variables may appear in the resource part.
- https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html: in a
  resource-based policy an account principal (``arn:aws:iam::111122223333:root`` or ``111122223333``) delegates
  to that account's identity policies; it does not grant a role or user by itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from modelops.local.iam.errors import PolicyError

ALLOW = "Allow"
DENY = "Deny"
_ACCOUNT_ROOT = re.compile(r"^arn:[^:]+:iam::(\d{12}):root$")


@dataclass(frozen=True)
class Principal:
    """Who makes a request: an IAM role or user (``arn``), or an AWS service (``service``)."""

    arn: str
    account: str
    service: str | None = None

    @classmethod
    def for_service(cls, service: str, account: str) -> Principal:
        """A service principal such as ``cloudwatch.amazonaws.com`` acting for resources in ``account``."""
        return cls(arn=service, account=account, service=service)

    @property
    def kind(self) -> str:
        """``aws:PrincipalType`` as IAM documents it (AssumedRole for a role session)."""
        if self.service:
            return "Service"
        if ":role/" in self.arn or ":assumed-role/" in self.arn:
            return "AssumedRole"
        if self.arn.endswith(":root"):
            return "Account"
        return "User"


@dataclass(frozen=True)
class Statement:
    """One statement, normalized: every element is a tuple, ``None`` when the element is absent."""

    policy: str
    index: int
    sid: str | None
    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    principals: Mapping[str, tuple[str, ...]] | None = None
    not_principals: Mapping[str, tuple[str, ...]] | None = None
    conditions: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """How a refusal names the statement: its Sid, else its position, and the policy holding it."""
        name = f"statement {self.sid!r}" if self.sid else f"statement #{self.index + 1}"
        return f"{name} of {self.policy}"


@dataclass(frozen=True)
class Policy:
    name: str
    statements: tuple[Statement, ...]
    resource_based: bool = False

    @classmethod
    def from_document(cls, name: str, document: Mapping[str, Any], *, resource_based: bool = False) -> Policy:
        """Parse a resolved policy document; raises :class:`PolicyError` on anything IAM would reject or
        that still holds an unresolved CloudFormation intrinsic."""
        raw = document.get("Statement")
        if raw is None:
            raise PolicyError(f"{name}: the policy has no Statement")
        items = raw if isinstance(raw, list) else [raw]
        statements = tuple(_statement(name, i, item, resource_based) for i, item in enumerate(items))
        return cls(name, statements, resource_based)


def _strings(name: str, element: str, value: Any) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, bool | int | float):
            continue
        if not isinstance(item, str):
            raise PolicyError(f"{name}: {element} holds {item!r}, not a string (an unresolved intrinsic?)")
    return tuple(str(item).lower() if isinstance(item, bool) else str(item) for item in values)


def _pair(name: str, item: Mapping[str, Any], positive: str, negative: str) -> tuple[Any, Any]:
    if positive in item and negative in item:
        raise PolicyError(f"{name}: a statement may hold {positive} or {negative}, not both")
    yes = _strings(name, positive, item[positive]) if positive in item else None
    no = _strings(name, negative, item[negative]) if negative in item else None
    return yes, no


def _principal_map(name: str, value: Any) -> Mapping[str, tuple[str, ...]] | None:
    if value is None:
        return None
    if value == "*":
        return {"AWS": ("*",)}
    if not isinstance(value, Mapping):
        raise PolicyError(f'{name}: Principal must be "*" or a map; got {value!r}')
    return {kind: _strings(name, "Principal", ids) for kind, ids in value.items()}


def _statement(name: str, index: int, item: Any, resource_based: bool) -> Statement:
    if not isinstance(item, Mapping):
        raise PolicyError(f"{name}: statement #{index + 1} is not an object")
    effect = item.get("Effect")
    if effect not in (ALLOW, DENY):
        raise PolicyError(f"{name}: statement #{index + 1} has Effect {effect!r}; use Allow or Deny")
    actions, not_actions = _pair(name, item, "Action", "NotAction")
    if actions is None and not_actions is None:
        raise PolicyError(f"{name}: statement #{index + 1} names no Action or NotAction")
    resources, not_resources = _pair(name, item, "Resource", "NotResource")
    if resources is None and not_resources is None and not resource_based:
        raise PolicyError(f"{name}: statement #{index + 1} names no Resource or NotResource")
    principals = _principal_map(name, item.get("Principal"))
    not_principals = _principal_map(name, item.get("NotPrincipal"))
    if resource_based and principals is None and not_principals is None:
        raise PolicyError(f"{name}: a resource-based statement needs a Principal or NotPrincipal")
    conditions: dict[str, dict[str, tuple[str, ...]]] = {}
    for operator, block in (item.get("Condition") or {}).items():
        if not isinstance(block, Mapping):
            raise PolicyError(f"{name}: condition {operator} is not a map of keys to values")
        conditions[operator] = {key: _strings(name, f"{operator} {key}", v) for key, v in block.items()}
    sid = item.get("Sid")
    return Statement(
        name,
        index,
        sid,
        effect,
        actions,
        not_actions,
        resources,
        not_resources,
        principals,
        not_principals,
        conditions,
    )


LITERAL = "\0"  # marks the next character as literal: what the ${*} and ${?} policy variables produce


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts, escaped = [], False
    for c in pattern:
        if escaped or c not in "*?\0":
            parts.append(re.escape(c))
            escaped = False
        elif c == LITERAL:
            escaped = True
        else:
            parts.append(".*" if c == "*" else ".")
    flags = re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL
    return re.compile("".join(parts), flags)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*`` matches any run of characters (``/`` and ``:`` included), ``?`` any one character."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    return glob_match(pattern, action, ignore_case=True)


def _arn_segments(arn: str) -> list[str] | None:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def arn_matches(pattern: str, arn: str) -> bool:
    """ARN matching as Resource and ArnLike do it: each of the six colon-delimited segments separately."""
    if pattern == "*":
        return True
    wanted, actual = _arn_segments(pattern), _arn_segments(arn)
    if wanted is None or actual is None:
        return glob_match(pattern, arn)
    return all(glob_match(w, a) for w, a in zip(wanted, actual, strict=True))


def principal_matches(spec: Mapping[str, Sequence[str]], principal: Principal) -> bool:
    """Whether a Principal element names ``principal`` itself (an account principal is delegation,
    handled by the evaluator, and does not match here)."""
    for kind, ids in spec.items():
        for ident in ids:
            if ident == "*":
                return True
            if kind == "Service" and principal.service == ident:
                return True
            if kind == "AWS" and principal.service is None and ident == principal.arn:
                return True
    return False


def delegated_accounts(spec: Mapping[str, Sequence[str]]) -> set[str]:
    """Accounts an ``AWS`` principal entry names as a whole (``111122223333`` or its ``:root`` ARN)."""
    accounts = set()
    for ident in spec.get("AWS", ()):
        if re.fullmatch(r"\d{12}", ident):
            accounts.add(ident)
        elif match := _ACCOUNT_ROOT.match(ident):
            accounts.add(match.group(1))
    return accounts
