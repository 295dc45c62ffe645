"""The ``search`` patch: SageMaker Search with the whole documented SearchExpression, sorted and paged.

Search (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Search.html): ``SortBy`` names a resource
property (default ``LastModifiedTime``), ``SortOrder`` is ``Ascending`` or ``Descending`` (default
``Descending``), ``MaxResults`` is 1..100, and a response holds a ``NextToken`` while more results match, to be
passed back with the same ``SearchExpression`` and sort parameters; ``TotalHits`` counts every match. The
reference documents no default for ``MaxResults``: ``paging.SEARCH_DEFAULT_MAX_RESULTS`` is the one guess,
and the project's own callers always pass the value. moto 5.2.5 answers every match in one
page, unsorted, and reads only the ``Filters`` of an expression; ``search_expressions`` evaluates the rest
(``SubExpressions``, ``Operator: Or``, ``NestedFilters``, ``In``, ``ModelLifeCycle.*``), and moto's paginator
pages the sorted matches (``paging``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.utilities.paginator import paginate

from modelops.local.patches import paging, search_expressions
from modelops.local.patches.patch import Patch, PatchGroup

DEFAULT_SORT_BY = "LastModifiedTime"

# (present, type rank, value, identity): a total order over any property values, so mixed or missing
# values never make the sort compare a number with a string. Missing values sort lowest.
SortKey = tuple[int, int, float | str, str]


@dataclass(frozen=True)
class Hit:
    """One matching record, with what it sorts and pages by."""

    identity: str
    key: SortKey
    record: dict[str, Any]


def search(
    original: Any,
    self: Any,
    resource: Any = None,
    search_expression: Any = None,
    sort_by: str | None = None,
    sort_order: str | None = None,
    max_results: int | None = None,
    next_token: str | None = None,
) -> dict[str, Any]:
    """Search: the records matching the expression, in the requested order, one page of them."""
    limit = paging.max_results(max_results, paging.SEARCH_DEFAULT_MAX_RESULTS)
    order = paging.sort_order(sort_order)
    sort_by = DEFAULT_SORT_BY if sort_by is None else sort_by
    if not isinstance(sort_by, str) or not sort_by:
        raise paging.constraint(sort_by, "sortBy", "Member must have length greater than or equal to 1")
    records: list[dict[str, Any]] = original(self, resource=resource, search_expression=None)["Results"]
    if search_expression is not None:
        search_expressions.check(search_expression)
        evaluator = search_expressions.Evaluator(
            resource, records, lambda expression: original(self, resource, expression)["Results"]
        )
        wanted = evaluator.matching(search_expression)
        records = [r for r in records if search_expressions.identity(r) in wanted]
    hits = sorted(
        (Hit(search_expressions.identity(r), _sort_key(r, sort_by), r) for r in records),
        key=lambda hit: hit.key,
        reverse=order == "Descending",
    )
    with paging.tokens_of("Search", "Resource, SearchExpression, SortBy and SortOrder"):
        page, token = paged_search_hits(
            hits,
            resource=resource,
            search_expression=search_expression,
            sort_by=sort_by,
            sort_order=order,
            max_results=limit,
            next_token=next_token,
        )
    # TotalHits (API_Search, API_TotalHits): every match, not the page; the count here is exact, so EqualTo.
    response: dict[str, Any] = {
        "Results": [hit.record for hit in page],
        "TotalHits": {"Value": len(hits), "Relation": "EqualTo"},
    }
    if token:
        response["NextToken"] = token
    return response


@paginate(pagination_model=paging.PAGINATION_MODEL)
def paged_search_hits(hits: list[Hit], **query: Any) -> list[Hit]:
    # The query's members only reach moto's paginator, which checks that a token comes back with the same.
    return hits


def _sort_key(result: dict[str, Any], sort_by: str) -> SortKey:
    record = next(iter(result.values()))
    value = search_expressions.lookup(record, sort_by)
    if value is None and sort_by == "LastModifiedTime":
        # moto sets LastModifiedTime only on the first update; SageMaker sets it at creation.
        value = record.get("CreationTime")
    identity = search_expressions.identity(result)
    if isinstance(value, datetime):
        return (1, 0, value.timestamp(), identity)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, 0, float(value), identity)
    if isinstance(value, str):
        return (1, 1, value, identity)
    return (0, 0, 0.0, identity)


def _search_response(self: Any) -> ActionResult:
    return ActionResult(
        self.sagemaker_backend.search(
            resource=self._get_param("Resource"),
            search_expression=self._get_param("SearchExpression"),
            sort_by=self._get_param("SortBy"),
            sort_order=self._get_param("SortOrder"),
            max_results=self._get_param("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
    )


GROUP = PatchGroup(
    name="search",
    behaviour="Search evaluates SubExpressions, Operator And/Or, NestedFilters, In and ModelLifeCycle.* "
    "filters, sorts by SortBy/SortOrder and pages with MaxResults/NextToken",
    operations=("Search",),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Search.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_SearchExpression.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_Filter.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_NestedFilters.html",
    ),
    build=lambda: [
        Patch(SageMakerModelBackend, "search", search, wraps=True),
        Patch(SageMakerResponse, "search", _search_response),
    ],
)
