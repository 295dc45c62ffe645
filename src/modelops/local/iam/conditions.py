"""The Condition element: operators, ``...IfExists``, ``Null``, set operators and policy variables.

References (IAM User Guide):
- Condition operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  A key absent from the request context makes a condition false, except for the negated operators
  (``StringNotEquals``, ``StringNotLike``, ``ArnNotLike``...) where it is true, ``...IfExists`` (true) and
  ``Null`` (which tests presence). Several values for one key are ORed; several keys, and several operators,
  are ANDed.
- Condition element: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
  Context key names are case-insensitive (``aws:SourceIp`` = ``AWS:SourceIP``, tag keys of
  ``aws:RequestTag/…`` included); values compare by the operator's rule.
- Multivalued keys: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
  ``ForAllValues:`` is true when every request value matches some policy value, and also when the key is
  absent or empty; ``ForAnyValue:`` needs at least one request value to match.
- Policy variables: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
  ``${aws:username}``, ``${key, 'default'}``, and the escapes ``${*}``, ``${?}``, ``${$}``; a variable that
  cannot be resolved makes the element it is in match nothing.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from modelops.local.iam.errors import PolicyError
from modelops.local.iam.policy import LITERAL, arn_matches, glob_match

ContextValue = str | Sequence[str]
Context = Mapping[str, ContextValue]  # keys lower-cased (see normalize_context)

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


class Unresolved(Exception):
    """A policy variable names a key the request context does not hold (and gives no default)."""


def normalize_context(context: Mapping[str, ContextValue]) -> dict[str, tuple[str, ...]]:
    """Lower-case the keys (IAM compares key names case-insensitively); every value becomes a tuple."""
    normalized: dict[str, tuple[str, ...]] = {}
    for key, value in context.items():
        values = (value,) if isinstance(value, str) else tuple(value)
        normalized[key.lower()] = tuple(str(v) for v in values)
    return normalized


def substitute(text: str, context: Mapping[str, tuple[str, ...]], *, wildcard_escapes: bool) -> str:
    """Replace policy variables with single-valued context values; raises :class:`Unresolved`."""
    if "${" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        body = match.group(1).strip()
        if body in _ESCAPES:
            # In a pattern the escape must stay a literal character, not a wildcard.
            return LITERAL + body if wildcard_escapes and body != "$" else _ESCAPES[body]
        key, _, default = body.partition(",")
        values = context.get(key.strip().lower())
        if values is not None and len(values) == 1:  # a multivalued key cannot be a variable
            return values[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        raise Unresolved(key.strip())

    return _VARIABLE.sub(replace, text)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _date(text: str) -> datetime | None:
    number = _number(text)
    if number is not None:
        return datetime.fromtimestamp(number, UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(
    convert: Callable[[str], float | datetime | None], test: Callable[[object, object], bool]
) -> Callable[[str, str], bool]:
    def match(expected: str, actual: str) -> bool:
        a, e = convert(actual), convert(expected)
        return a is not None and e is not None and test(a, e)

    return match


def _ip(expected: str, actual: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in ipaddress.ip_network(expected, strict=False)
    except ValueError:
        return False


def _binary(expected: str, actual: str) -> bool:
    try:
        return base64.b64decode(expected) == base64.b64decode(actual)
    except ValueError:
        return False


_EQ: Callable[[object, object], bool] = lambda a, e: a == e  # noqa: E731
# Each positive operator: how one policy value matches one request value, and whether it expands variables.
_POSITIVE: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda e, a: e == a,
    "StringEqualsIgnoreCase": lambda e, a: e.casefold() == a.casefold(),
    "StringLike": lambda e, a: glob_match(e, a),
    "NumericEquals": _compare(_number, _EQ),
    "NumericLessThan": _compare(_number, lambda a, e: a < e),  # type: ignore[operator]
    "NumericLessThanEquals": _compare(_number, lambda a, e: a <= e),  # type: ignore[operator]
    "NumericGreaterThan": _compare(_number, lambda a, e: a > e),  # type: ignore[operator]
    "NumericGreaterThanEquals": _compare(_number, lambda a, e: a >= e),  # type: ignore[operator]
    "DateEquals": _compare(_date, _EQ),
    "DateLessThan": _compare(_date, lambda a, e: a < e),  # type: ignore[operator]
    "DateLessThanEquals": _compare(_date, lambda a, e: a <= e),  # type: ignore[operator]
    "DateGreaterThan": _compare(_date, lambda a, e: a > e),  # type: ignore[operator]
    "DateGreaterThanEquals": _compare(_date, lambda a, e: a >= e),  # type: ignore[operator]
    "Bool": lambda e, a: e.lower() == a.lower(),
    "BinaryEquals": _binary,
    "IpAddress": _ip,
    # ArnEquals and ArnLike behave the same: both take wildcards per ARN segment.
    "ArnEquals": arn_matches,
    "ArnLike": arn_matches,
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
_PATTERNS = {"StringLike", "ArnEquals", "ArnLike"}  # where ${*} and ${?} must stay literal
_VARIABLES = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}


def parse_operator(operator: str) -> tuple[str | None, str, bool, bool]:
    """``ForAnyValue:StringLikeIfExists`` -> (set operator, positive base, negated, if_exists)."""
    qualifier, _, name = operator.rpartition(":")
    if qualifier not in ("", "ForAllValues", "ForAnyValue"):
        raise PolicyError(f"unknown condition set operator {qualifier!r} in {operator!r}")
    if_exists = name.endswith("IfExists") and name != "IfExists"
    base = name.removesuffix("IfExists") if if_exists else name
    if base == "Null":
        if qualifier or if_exists:
            raise PolicyError(f"{operator!r}: Null takes no set operator and no IfExists")
        return None, "Null", False, False
    negated = base in _NEGATED
    positive = _NEGATED.get(base, base)
    if positive not in _POSITIVE:
        raise PolicyError(f"unknown condition operator {operator!r}")
    return qualifier or None, positive, negated, if_exists


def condition_holds(
    operator: str, key: str, expected: Sequence[str], context: Mapping[str, tuple[str, ...]]
) -> bool:
    """One key of one operator block, evaluated against a normalized request context."""
    qualifier, base, negated, if_exists = parse_operator(operator)
    values = context.get(key.lower())
    present = values is not None and len(values) > 0
    if base == "Null":
        return all((v.lower() == "true") != present for v in expected) if expected else False
    if not present:
        if qualifier == "ForAllValues" or if_exists:
            return True
        return negated and qualifier is None
    assert values is not None
    try:
        policy_values = [
            substitute(v, context, wildcard_escapes=base in _PATTERNS) if base in _VARIABLES else v
            for v in expected
        ]
    except Unresolved:
        return False  # the variable cannot be resolved: the condition matches nothing
    match = _POSITIVE[base]

    def value_ok(actual: str) -> bool:
        hit = any(match(p, actual) for p in policy_values)
        return not hit if negated else hit

    if qualifier == "ForAllValues":
        return all(value_ok(v) for v in values)
    if qualifier == "ForAnyValue":
        return any(value_ok(v) for v in values)
    # A multivalued key without a set operator: a positive operator needs one matching value, a negated
    # one needs every value to differ (the negation of the positive test).
    return all(value_ok(v) for v in values) if negated else any(value_ok(v) for v in values)


def conditions_hold(
    conditions: Mapping[str, Mapping[str, Sequence[str]]], context: Mapping[str, tuple[str, ...]]
) -> bool:
    return all(
        condition_holds(operator, key, expected, context)
        for operator, block in conditions.items()
        for key, expected in block.items()
    )
