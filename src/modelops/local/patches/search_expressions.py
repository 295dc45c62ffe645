"""SageMaker Search expressions, evaluated as the API reference documents them.

``SearchExpression`` (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_SearchExpression.html):
``Filters``, ``NestedFilters`` and ``SubExpressions`` (each 1..20 items, at least one of the three present),
combined by ``Operator``: ``And`` (the default) when every statement in all lists must hold, ``Or`` when a
single one suffices. Search (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Search.html)
allows at most 50 recursive SubExpressions, NestedFilters and Filters in one expression.

``Filter`` (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Filter.html): ``Operator`` defaults
to ``Equals``; ``In`` matches "one of the comma delimited strings in Value", text properties only;
``Exists``/``NotExists`` test the property's presence; ``GreaterThan`` and the like are "not supported for text
properties". ``NestedFilters``
(https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_NestedFilters.html) hold when "a single object
in the list satisfies all" of its filters.

moto 5.2.5 reads only ``Filters`` (it ignores ``SubExpressions``, ``NestedFilters`` and ``Operator``, so an Or
query answered every record) and knows no ``ModelLifeCycle`` property. Here each leaf filter becomes the set of
records it matches: ``ModelLifeCycle.*``, ``Exists``/``NotExists`` and nested filters are judged on the Search
record itself; every other filter is asked of moto's own Search, one filter at a time, so moto's property
names and errors ("Unknown property name") stay as they are; ``In`` is the union of its values' ``Equals``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.sagemaker.exceptions import ValidationError

MAX_ELEMENTS = 50
MAX_LIST_ITEMS = 20
_TEXT_OPERATORS = ("Equals", "NotEquals", "Contains", "In", "Exists", "NotExists")
_ORDERED = ("GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo")

Record = dict[str, Any]  # one Search result, {"<Resource>": {...}}
NativeSearch = Callable[[dict[str, Any]], list[Record]]  # moto's Search for one expression


def identity(record: Record) -> str:
    """A key that tells Search records apart: the resource's ARN where it has one."""
    name, body = next(iter(record.items()))
    arn = body.get(f"{name}Arn") or body.get("Arn")
    return str(arn) if arn else json.dumps(body, sort_keys=True, default=str)


def lookup(body: Any, path: str) -> Any:
    """The value at a dotted property path of a record's body, or None."""
    value = body
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def check(expression: Any) -> None:
    """Refuse an expression the reference does not allow (empty, an unknown Operator, too many elements)."""
    if _count(expression) > MAX_ELEMENTS:
        raise ValidationError(
            f"A SearchExpression can hold at most {MAX_ELEMENTS} SubExpressions, NestedFilters and Filters."
        )


def _count(expression: Any) -> int:
    if not isinstance(expression, dict):
        raise ValidationError("SearchExpression must be an object.")
    lists = {key: expression.get(key) for key in ("Filters", "NestedFilters", "SubExpressions")}
    if not any(lists.values()):
        raise ValidationError(
            "A SearchExpression must have at least one subexpression, filter, or nested filter."
        )
    for key, items in lists.items():
        if items is not None and not (isinstance(items, list) and 1 <= len(items) <= MAX_LIST_ITEMS):
            raise ValidationError(f"SearchExpression {key} must be a list of 1 to {MAX_LIST_ITEMS} items.")
    if expression.get("Operator", "And") not in ("And", "Or"):
        raise ValidationError(
            f"Value '{expression['Operator']}' at 'searchExpression.operator' failed to satisfy constraint: "
            "Member must satisfy enum value set: [And, Or]"
        )
    subs = lists["SubExpressions"] or []
    return (
        len(lists["Filters"] or []) + len(lists["NestedFilters"] or []) + len(subs) + sum(map(_count, subs))
    )


class Evaluator:
    """Which of ``records`` an expression matches, asking ``native`` for the filters moto understands."""

    def __init__(self, resource: str, records: list[Record], native: NativeSearch) -> None:
        self.resource, self.records, self.native = resource, records, native
        self._asked: dict[str, set[str]] = {}

    def matching(self, expression: dict[str, Any]) -> set[str]:
        """The identities of the records the expression matches."""
        statements = [self._filter(f) for f in expression.get("Filters") or []]
        statements += [self._nested(n) for n in expression.get("NestedFilters") or []]
        statements += [self.matching(sub) for sub in expression.get("SubExpressions") or []]
        if expression.get("Operator", "And") == "Or":
            return set().union(*statements)
        everything = {identity(r) for r in self.records}
        return everything.intersection(*statements)

    def _filter(self, search_filter: Any) -> set[str]:
        name, operator, value = _parts(search_filter)
        if operator == "In":
            return set().union(
                *(self._filter({**search_filter, "Operator": "Equals", "Value": v}) for v in _values(value))
            )
        if self._on_record(name) and operator in _ORDERED:
            # Every ModelLifeCycle member is text, whatever a given record holds.
            raise ValidationError(f"Operator {operator} is not supported for the text property {name}.")
        if operator in ("Exists", "NotExists") or self._on_record(name):
            return {
                identity(r) for r in self.records if compare(lookup(_body(r), name), operator, value, name)
            }
        key = json.dumps([name, operator, value])
        if key not in self._asked:
            # moto reads the Operator without a default: pass the documented one (Equals) explicitly.
            one = {"Name": name, "Operator": operator, "Value": value}
            self._asked[key] = {identity(r) for r in self.native({"Filters": [one]})}
        return self._asked[key]

    def _on_record(self, name: str) -> bool:
        # Properties moto's Search does not know, judged on the record the patched Describe* returns.
        return self.resource == "ModelPackage" and name.startswith("ModelLifeCycle.")

    def _nested(self, nested: Any) -> set[str]:
        if not isinstance(nested, dict) or not nested.get("NestedPropertyName") or not nested.get("Filters"):
            raise ValidationError("NestedFilters need a NestedPropertyName and at least one filter.")
        prefix = f"{nested['NestedPropertyName']}."
        filters = [_parts(f) for f in nested["Filters"]]
        for name, _, _ in filters:
            if not name.startswith(prefix):
                raise ValidationError(f"Nested filter {name} does not name a property of {prefix[:-1]}.")
        found = set()
        for record in self.records:
            items = lookup(_body(record), prefix[:-1])
            if isinstance(items, list) and any(
                all(compare(lookup(item, n[len(prefix) :]), op, v, n) for n, op, v in filters)
                for item in items
            ):
                found.add(identity(record))
        return found


def compare(actual: Any, operator: str, expected: Any, name: str) -> bool:
    """Whether a property value satisfies one filter statement."""
    if operator == "Exists":
        return actual is not None
    if operator == "NotExists":
        return actual is None
    if operator in _ORDERED:
        if actual is None:
            return False
        if isinstance(actual, (int, float)) and not isinstance(actual, bool):
            number = _number(expected, name)
            return {
                "GreaterThan": actual > number,
                "GreaterThanOrEqualTo": actual >= number,
                "LessThan": actual < number,
                "LessThanOrEqualTo": actual <= number,
            }[operator]
        raise ValidationError(f"Operator {operator} is not supported for the text property {name}.")
    if operator == "In":
        return actual is not None and str(actual) in _values(expected)
    if operator == "Contains":
        return actual is not None and str(expected) in str(actual)
    equal = actual is not None and str(actual) == str(expected)
    return equal if operator == "Equals" else not equal


def _parts(search_filter: Any) -> tuple[str, str, Any]:
    if not isinstance(search_filter, dict) or not search_filter.get("Name"):
        raise ValidationError("Each filter needs a Name.")
    operator = search_filter.get("Operator", "Equals")
    if operator not in _TEXT_OPERATORS + _ORDERED:
        raise ValidationError(
            f"Operator {operator} of filter {search_filter['Name']} is not a Search operator."
        )
    if operator not in ("Exists", "NotExists") and search_filter.get("Value") is None:
        raise ValidationError(f"Filter {search_filter['Name']} with operator {operator} needs a Value.")
    return str(search_filter["Name"]), str(operator), search_filter.get("Value")


def _values(value: Any) -> list[str]:
    return [part.strip() for part in str(value).split(",")]


def _number(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"Filter {name} compares with a number; {value!r} is not one.") from None


def _body(record: Record) -> Any:
    return next(iter(record.values()))
