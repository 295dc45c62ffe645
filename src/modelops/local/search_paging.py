"""SageMaker ``Search`` paging and sorting, which moto 5.2.5 ignores (it answers every match in one page).

As the SageMaker API reference documents Search: ``MaxResults`` is 1..100, ``SortBy`` names a resource
property (default ``LastModifiedTime``), ``SortOrder`` is ``Ascending`` or ``Descending`` (default
``Descending``), and a response holds a ``NextToken`` while more results match, to be passed back with the
same ``SearchExpression`` and sort parameters. The reference gives no default for ``MaxResults``; 10 here is an
assumption (unverified against AWS, which no machine here can reach); callers that care pass MaxResults.

The token is opaque: it carries the sort key of the last record returned, so the next page continues right
after it even when records were created or deleted in between (an offset would repeat or skip some), and a
fingerprint of the query, so a token given with another query is refused instead of paging the wrong list.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Any

from moto.sagemaker.exceptions import ValidationError

DEFAULT_MAX_RESULTS = 10
MAX_MAX_RESULTS = 100
DEFAULT_SORT_BY = "LastModifiedTime"
SORT_ORDERS = ("Ascending", "Descending")

# (present, type rank, value, identity): a total order over any property values, so mixed or missing
# values never make the sort compare a number with a string. Missing values sort lowest.
SortKey = tuple[int, int, float | str, str]


def validate(sort_by: str | None, sort_order: str | None, max_results: Any) -> tuple[str, str, int]:
    """The effective (SortBy, SortOrder, MaxResults), or the ValidationException SageMaker answers."""
    if max_results is None:
        max_results = DEFAULT_MAX_RESULTS
    if isinstance(max_results, bool) or not isinstance(max_results, int):
        raise _constraint(max_results, "maxResults", "Member must be an integer")
    if max_results < 1:
        raise _constraint(max_results, "maxResults", "Member must have value greater than or equal to 1")
    if max_results > MAX_MAX_RESULTS:
        raise _constraint(
            max_results, "maxResults", f"Member must have value less than or equal to {MAX_MAX_RESULTS}"
        )
    sort_by = DEFAULT_SORT_BY if sort_by is None else sort_by
    if not isinstance(sort_by, str) or not sort_by:
        raise _constraint(sort_by, "sortBy", "Member must have length greater than or equal to 1")
    sort_order = "Descending" if sort_order is None else sort_order
    if sort_order not in SORT_ORDERS:
        raise _constraint(
            sort_order, "sortOrder", f"Member must satisfy enum value set: [{', '.join(SORT_ORDERS)}]"
        )
    return sort_by, sort_order, max_results


def page(
    results: list[dict[str, Any]],
    *,
    query: Any,
    sort_by: str,
    sort_order: str,
    max_results: int,
    next_token: str | None,
) -> dict[str, Any]:
    """One page of ``results`` (Search records, ``{"<Resource>": {...}}``) in the requested order."""
    fingerprint = _fingerprint(query, sort_by, sort_order)
    descending = sort_order == "Descending"
    keyed = sorted(((_sort_key(r, sort_by), r) for r in results), key=lambda kr: kr[0], reverse=descending)
    if next_token is not None:
        after = _decode(next_token, fingerprint)
        keyed = [(k, r) for k, r in keyed if (k < after if descending else k > after)]
    shown = keyed[:max_results]
    response: dict[str, Any] = {"Results": [r for _, r in shown]}
    if len(keyed) > max_results:
        response["NextToken"] = _encode(fingerprint, shown[-1][0])
    return response


def _sort_key(result: dict[str, Any], sort_by: str) -> SortKey:
    name, record = next(iter(result.items()))
    value = _lookup(record, sort_by)
    if value is None and sort_by == "LastModifiedTime":
        # moto sets LastModifiedTime only on the first update; SageMaker sets it at creation.
        value = record.get("CreationTime")
    identity = str(
        record.get(f"{name}Arn") or record.get("Arn") or json.dumps(record, sort_keys=True, default=str)
    )
    if isinstance(value, datetime):
        return (1, 0, value.timestamp(), identity)
    if isinstance(value, (int, float)):
        return (1, 0, float(value), identity)
    if isinstance(value, str):
        return (1, 1, value, identity)
    return (0, 0, 0.0, identity)


def _lookup(record: dict[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _fingerprint(query: Any, sort_by: str, sort_order: str) -> str:
    text = json.dumps([query, sort_by, sort_order], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode(fingerprint: str, after: SortKey) -> str:
    return base64.urlsafe_b64encode(json.dumps({"q": fingerprint, "after": after}).encode()).decode()


def _decode(token: str, fingerprint: str) -> SortKey:
    try:
        content = json.loads(base64.urlsafe_b64decode(token.encode()))
        present, rank, value, identity = content["after"]
        if (
            content["q"] == fingerprint
            and isinstance(present, int)
            and rank in (0, 1)
            and isinstance(value, (int, float) if rank == 0 else str)
            and isinstance(identity, str)
        ):
            return (present, rank, float(value) if rank == 0 else value, identity)
    except (binascii.Error, UnicodeError, ValueError, TypeError, KeyError):
        pass
    raise ValidationError(
        "Invalid NextToken: pass back the NextToken of the previous Search response, with the same "
        "Resource, SearchExpression, SortBy and SortOrder."
    )


def _constraint(value: Any, member: str, constraint: str) -> ValidationError:
    return ValidationError(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    )
