"""Paging for the operations the patches add, through moto's own paginator (``moto.utilities.paginator``).

moto has no pagination model for ``Search`` or ``ListPipelineExecutionSteps``; :data:`PAGINATION_MODEL` adds
theirs, in moto's format, and the backend methods are wrapped with moto's ``@paginate`` like its own
``list_*`` methods. moto's token is opaque (base64 of the record that starts the next page and a checksum of
the other request parameters), so a token passed with a different query is refused instead of paging the
wrong list, and records created between two pages do not shift the next one. A token whose next record was
deleted meanwhile is refused as well (moto finds the page by that record); the API reference does not say
what SageMaker does then.

The members both operations share, as the API reference documents them: ``MaxResults`` is 1..100,
``SortOrder`` is ``Ascending`` or ``Descending`` (default ``Descending``), and ``NextToken`` is whatever the
previous response returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.core.exceptions import InvalidToken
from moto.sagemaker.exceptions import ValidationError

MAX_MAX_RESULTS = 100
# The Search reference documents no default page size: 10 is a plausible guess, unverified against AWS (which
# no machine here can reach). Our own callers always pass MaxResults, so nothing of ours depends on it.
SEARCH_DEFAULT_MAX_RESULTS = 10
SORT_ORDERS = ("Ascending", "Descending")

# Keyed by the name of the paginated function, as moto's own models are. ``limit_default`` is only reached
# when a caller passes no MaxResults: the backends below always pass the value they settled on.
PAGINATION_MODEL: dict[str, dict[str, Any]] = {
    "paged_search_hits": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": SEARCH_DEFAULT_MAX_RESULTS,
        "unique_attribute": "identity",
    },
    "paged_execution_steps": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": MAX_MAX_RESULTS,
        "unique_attribute": "StepName",  # unique within an execution: a step recorded again replaces itself
    },
}


def max_results(value: Any, default: int) -> int:
    """The effective MaxResults, or the ValidationException SageMaker answers for an out-of-range value."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise constraint(value, "maxResults", "Member must be an integer")
    if value < 1:
        raise constraint(value, "maxResults", "Member must have value greater than or equal to 1")
    if value > MAX_MAX_RESULTS:
        raise constraint(
            value, "maxResults", f"Member must have value less than or equal to {MAX_MAX_RESULTS}"
        )
    return value


def sort_order(value: Any) -> str:
    """The effective SortOrder (default ``Descending``), or the ValidationException for another value."""
    if value is None:
        return "Descending"
    if value not in SORT_ORDERS:
        raise constraint(
            value, "sortOrder", f"Member must satisfy enum value set: [{', '.join(SORT_ORDERS)}]"
        )
    return str(value)


@contextmanager
def tokens_of(operation: str, same: str) -> Iterator[None]:
    """Answer a NextToken moto's paginator refuses as SageMaker does: a ValidationException."""
    try:
        yield
    except InvalidToken:
        raise ValidationError(
            f"Invalid NextToken: pass back the NextToken of the previous {operation} response, with the same "
            f"{same}."
        ) from None


def constraint(value: Any, member: str, rule: str) -> ValidationError:
    return ValidationError(
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
    )
