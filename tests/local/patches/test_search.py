"""SageMaker Search pages and sorts as the API reference documents (moto answers everything in one page)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.local.embedded import EmbeddedAWS

GROUP = "paged-group"
IN_GROUP = {"Filters": [{"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": GROUP}]}


@pytest.fixture
def sm(embedded_aws: EmbeddedAWS) -> Any:
    client = embedded_aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName=GROUP)
    return client


@pytest.fixture
def unchecked(embedded_aws: EmbeddedAWS) -> Any:
    # boto3 refuses out-of-range parameters before sending; the API's own answer is what is under test.
    return embedded_aws.client("sagemaker", config=Config(parameter_validation=False))


def register(sm: Any, n: int, **extra: Any) -> list[int]:
    versions = []
    for _ in range(n):
        arn = sm.create_model_package(
            ModelPackageGroupName=GROUP,
            ModelApprovalStatus=lifecycle.PENDING,
            InferenceSpecification={
                "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.4"}],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            **extra,
        )["ModelPackageArn"]
        versions.append(int(arn.rsplit("/", 1)[1]))
    return versions


def versions_of(page: dict[str, Any]) -> list[int]:
    return [r["ModelPackage"]["ModelPackageVersion"] for r in page["Results"]]


def all_pages(sm: Any, **request: Any) -> list[list[int]]:
    pages, token = [], None
    while True:
        page = sm.search(Resource="ModelPackage", **request, **({"NextToken": token} if token else {}))
        pages.append(versions_of(page))
        token = page.get("NextToken")
        if not token:
            return pages


def test_without_max_results_a_page_holds_ten_and_the_token_fetches_the_rest(sm: Any) -> None:
    register(sm, 12)

    pages = all_pages(sm, SearchExpression=IN_GROUP)

    assert [len(p) for p in pages] == [10, 2]
    assert sorted(pages[0] + pages[1]) == list(range(1, 13))


def test_pages_of_max_results_continue_where_the_last_stopped_newest_first_by_default(sm: Any) -> None:
    register(sm, 7)

    pages = all_pages(sm, SearchExpression=IN_GROUP, MaxResults=3)

    assert pages == [[7, 6, 5], [4, 3, 2], [1]]


def test_default_order_is_last_modified_time_descending(sm: Any) -> None:
    register(sm, 3)
    first = sm.list_model_packages(ModelPackageGroupName=GROUP, SortOrder="Ascending")
    sm.update_model_package(
        ModelPackageArn=first["ModelPackageSummaryList"][0]["ModelPackageArn"], ApprovalDescription="touched"
    )

    assert all_pages(sm, SearchExpression=IN_GROUP) == [[1, 3, 2]]
    assert all_pages(sm, SearchExpression=IN_GROUP, SortBy="CreationTime") == [[3, 2, 1]]


def test_sort_by_creation_time_ascending_pages_oldest_first(sm: Any) -> None:
    register(sm, 5)

    pages = all_pages(
        sm, SearchExpression=IN_GROUP, SortBy="CreationTime", SortOrder="Ascending", MaxResults=2
    )

    assert pages == [[1, 2], [3, 4], [5]]


def test_the_token_continues_after_the_last_record_shown_even_when_records_arrive_between_pages(
    sm: Any,
) -> None:
    register(sm, 4)
    first = sm.search(Resource="ModelPackage", SearchExpression=IN_GROUP, SortBy="CreationTime", MaxResults=2)
    register(sm, 1)  # v5 is newer than the first page: it belongs before it, so paging on must not show it

    rest = sm.search(
        Resource="ModelPackage",
        SearchExpression=IN_GROUP,
        SortBy="CreationTime",
        MaxResults=2,
        NextToken=first["NextToken"],
    )

    assert (versions_of(first), versions_of(rest), rest.get("NextToken")) == ([4, 3], [2, 1], None)


def test_paging_applies_after_the_model_life_cycle_filter(sm: Any) -> None:
    staged = {"Stage": lifecycle.STAGE_STAGING, "StageStatus": lifecycle.STATUS_PASSED}
    developed = {"Stage": lifecycle.STAGE_DEVELOPMENT, "StageStatus": lifecycle.STATUS_REGISTERED}
    wanted = [v for i in range(6) for v in register(sm, 1, ModelLifeCycle=staged if i % 2 else developed)][
        1::2
    ]
    expression = {
        "Filters": [
            *IN_GROUP["Filters"],
            {"Name": "ModelLifeCycle.Stage", "Operator": "Equals", "Value": lifecycle.STAGE_STAGING},
        ]
    }

    pages = all_pages(sm, SearchExpression=expression, SortBy="CreationTime", MaxResults=2)

    assert pages == [sorted(wanted, reverse=True)[:2], sorted(wanted, reverse=True)[2:]]


def test_max_results_of_one_hundred_is_accepted(sm: Any) -> None:
    register(sm, 2)

    page = sm.search(Resource="ModelPackage", SearchExpression=IN_GROUP, MaxResults=100)

    assert (versions_of(page), page.get("NextToken")) == ([2, 1], None)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"MaxResults": 0}, "Member must have value greater than or equal to 1"),
        ({"MaxResults": 101}, "less than or equal to 100"),
        ({"SortOrder": "Sideways"}, "enum value set"),
        ({"NextToken": "not-a-token"}, "Invalid NextToken"),
    ],
)
def test_out_of_range_max_results_bad_sort_order_or_token_is_a_validation_error(
    sm: Any, unchecked: Any, request_: dict[str, Any], message: str
) -> None:
    register(sm, 1)

    with pytest.raises(ClientError) as raised:
        unchecked.search(Resource="ModelPackage", SearchExpression=IN_GROUP, **request_)

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert message in raised.value.response["Error"]["Message"]


def test_a_token_given_with_another_query_is_a_validation_error(sm: Any) -> None:
    register(sm, 3)
    token = sm.search(Resource="ModelPackage", SearchExpression=IN_GROUP, MaxResults=1)["NextToken"]

    with pytest.raises(ClientError) as raised:
        sm.search(
            Resource="ModelPackage",
            SearchExpression=IN_GROUP,
            SortOrder="Ascending",
            MaxResults=1,
            NextToken=token,
        )

    assert raised.value.response["Error"]["Code"] == "ValidationException"


def stage_is(stage: str) -> dict[str, str]:
    return {"Name": "ModelLifeCycle.Stage", "Operator": "Equals", "Value": stage}


def status_is(status: str) -> dict[str, str]:
    return {"Name": "ModelLifeCycle.StageStatus", "Operator": "Equals", "Value": status}


@pytest.fixture
def staged(sm: Any) -> dict[str, int]:
    """One version per (stage, status) the registry cares about: passed, deploying, failed, and development."""
    versions = {}
    for stage, status in [
        (lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED),
        (lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING),
        (lifecycle.STAGE_STAGING, lifecycle.STATUS_FAILED),
        (lifecycle.STAGE_DEVELOPMENT, lifecycle.STATUS_REGISTERED),
    ]:
        (versions[status],) = register(sm, 1, ModelLifeCycle={"Stage": stage, "StageStatus": status})
    return versions


def test_sub_expressions_joined_by_or_match_either_status_in_one_search(
    sm: Any, staged: dict[str, int]
) -> None:
    expression = {
        "Filters": [*IN_GROUP["Filters"], stage_is(lifecycle.STAGE_STAGING)],
        "SubExpressions": [
            {
                "Filters": [status_is(lifecycle.STATUS_PASSED), status_is(lifecycle.STATUS_DEPLOYING)],
                "Operator": "Or",
            }
        ],
    }

    pages = all_pages(sm, SearchExpression=expression, SortBy="CreationTime", MaxResults=1)

    assert pages == [[staged[lifecycle.STATUS_DEPLOYING]], [staged[lifecycle.STATUS_PASSED]]]


def test_operator_or_on_filters_matches_a_record_that_satisfies_a_single_one(
    sm: Any, staged: dict[str, int]
) -> None:
    expression = {
        "Filters": [status_is(lifecycle.STATUS_FAILED), status_is(lifecycle.STATUS_REGISTERED)],
        "Operator": "Or",
    }

    (page,) = all_pages(sm, SearchExpression=expression, SortBy="CreationTime")

    assert page == [staged[lifecycle.STATUS_REGISTERED], staged[lifecycle.STATUS_FAILED]]


def test_operator_and_is_the_default_across_filters_and_sub_expressions(
    sm: Any, staged: dict[str, int]
) -> None:
    expression = {
        "Filters": [stage_is(lifecycle.STAGE_STAGING)],
        "SubExpressions": [{"Filters": [status_is(lifecycle.STATUS_REGISTERED)]}],
    }

    assert all_pages(sm, SearchExpression=expression) == [[]]


def test_in_matches_one_of_the_comma_delimited_values(sm: Any, staged: dict[str, int]) -> None:
    statuses = f"{lifecycle.STATUS_PASSED},{lifecycle.STATUS_DEPLOYING}"
    expression = {
        "Filters": [
            *IN_GROUP["Filters"],
            {"Name": "ModelLifeCycle.StageStatus", "Operator": "In", "Value": statuses},
        ]
    }

    (page,) = all_pages(sm, SearchExpression=expression, SortBy="CreationTime")

    assert page == [staged[lifecycle.STATUS_DEPLOYING], staged[lifecycle.STATUS_PASSED]]


def test_in_on_a_property_moto_knows_is_the_union_of_its_values(sm: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName="other-group")
    register(sm, 1)
    expression = {
        "Filters": [{"Name": "ModelPackageGroupName", "Operator": "In", "Value": f"other-group,{GROUP}"}]
    }

    assert all_pages(sm, SearchExpression=expression) == [[1]]


def test_not_exists_matches_the_versions_without_a_model_life_cycle(sm: Any, staged: dict[str, int]) -> None:
    (bare,) = register(sm, 1)
    expression = {
        "Filters": [*IN_GROUP["Filters"], {"Name": "ModelLifeCycle.Stage", "Operator": "NotExists"}]
    }

    assert all_pages(sm, SearchExpression=expression) == [[bare]]


def test_nested_filters_hold_when_one_item_of_the_list_satisfies_all_of_them(sm: Any) -> None:
    (sklearn,) = register(sm, 1)
    sm.create_model_package(
        ModelPackageGroupName=GROUP,
        InferenceSpecification={
            "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1.7"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )
    nested = {
        "NestedPropertyName": "InferenceSpecification.Containers",
        "Filters": [
            {"Name": "InferenceSpecification.Containers.Image", "Operator": "Contains", "Value": "sklearn"}
        ],
    }

    assert all_pages(sm, SearchExpression={"Filters": IN_GROUP["Filters"], "NestedFilters": [nested]}) == [
        [sklearn]
    ]


def test_a_token_pages_on_through_an_or_query(sm: Any, staged: dict[str, int]) -> None:
    expression = {
        "SubExpressions": [
            {"Filters": [stage_is(lifecycle.STAGE_STAGING)]},
            {"Filters": IN_GROUP["Filters"]},
        ],
        "Operator": "Or",
    }

    pages = all_pages(
        sm, SearchExpression=expression, SortBy="CreationTime", SortOrder="Ascending", MaxResults=3
    )

    assert pages == [[1, 2, 3], [4]]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ({}, "at least one subexpression, filter, or nested filter"),
        ({"Filters": IN_GROUP["Filters"], "Operator": "Xor"}, "enum value set: [And, Or]"),
        (
            {"SubExpressions": [{"Filters": IN_GROUP["Filters"]}] * 20, "Filters": IN_GROUP["Filters"] * 20},
            "at most 50",
        ),
        (
            {"Filters": [{"Name": "ModelLifeCycle.Stage", "Operator": "GreaterThan", "Value": "a"}]},
            "text property",
        ),
        (
            {
                "NestedFilters": [
                    {"NestedPropertyName": "Tags", "Filters": [{"Name": "Other.Key", "Value": "k"}]}
                ]
            },
            "does not name",
        ),
    ],
)
def test_an_expression_the_reference_does_not_allow_is_a_validation_error(
    sm: Any, unchecked: Any, expression: dict[str, Any], message: str
) -> None:
    register(sm, 1)

    with pytest.raises(ClientError) as raised:
        unchecked.search(Resource="ModelPackage", SearchExpression=expression)

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert message in raised.value.response["Error"]["Message"]
