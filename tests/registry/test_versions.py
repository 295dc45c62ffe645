"""Registering versions, getting them by every reference form, and listing them, on the embedded AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.registry import (
    InvalidMetadataError,
    MalformedReferenceError,
    ModelRegistry,
    UnknownModelError,
    UnknownVersionError,
)
from tests.registry.conftest import GROUP, register, snapshot, walk_to


def test_registered_version_reads_back_with_all_its_metadata(registry: ModelRegistry) -> None:
    created = registry.register_version(
        image="123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.4",
        model_data_url="s3://artifacts/models/abc/model.tar.gz",
        code_commit="9f1c2ab",
        data_version="diabetes-2026-11-01",
        hyperparameters={"n_estimators": 200, "learning_rate": 0.05},
        metrics={"rmse": 53.81, "r2": 0.4721},
        properties={lifecycle.META_SAMPLE_PAYLOAD: "s3://artifacts/samples/abc.json"},
        description="gradient boosting, deeper trees",
    )
    fetched = registry.get_version(created.version)
    assert fetched == created
    assert fetched.version == 1
    assert fetched.group == GROUP
    assert fetched.approval_status == lifecycle.PENDING
    assert (fetched.stage, fetched.stage_status) == (lifecycle.STAGE_DEVELOPMENT, lifecycle.STATUS_REGISTERED)
    assert fetched.metrics == {"rmse": 53.81, "r2": 0.4721}
    assert fetched.hyperparameters == {"n_estimators": "200", "learning_rate": "0.05"}
    assert fetched.code_commit == "9f1c2ab"
    assert fetched.data_version == "diabetes-2026-11-01"
    assert fetched.image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.4"
    assert fetched.model_data_url == "s3://artifacts/models/abc/model.tar.gz"
    assert fetched.sample_payload_uri == "s3://artifacts/samples/abc.json"
    assert fetched.description == "gradient boosting, deeper trees"
    assert fetched.uri == f"models:/{GROUP}/1"
    assert fetched.created_time is not None


def test_every_reference_form_resolves_to_the_right_version(registry: ModelRegistry) -> None:
    register(registry, 4)
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    walk_to(registry, 2, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    registry.approve_version(3, "ship it")
    arn_of_2 = registry.get_version(2).arn
    expected = {
        "2": 2,
        2: 2,
        "latest": 4,
        "latest-approved": 3,
        "staging": 2,
        "production": 1,
        arn_of_2: 2,
        f"models:/{GROUP}/3": 3,
        f"models:/{GROUP}/latest": 4,
        f"models:/{GROUP}@production": 1,
        f"models:/{GROUP}@staging": 2,
        f"models:/{GROUP}@latest-approved": 3,
    }
    for reference, version in expected.items():
        assert registry.get_version(reference).version == version, reference
        assert registry.resolve(reference) == registry.get_version(version).arn, reference


def test_production_is_the_deployed_version_not_one_still_being_promoted(registry: ModelRegistry) -> None:
    register(registry, 2)
    walk_to(registry, 1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
    walk_to(registry, 2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_APPROVED)
    assert registry.get_version("production").version == 1


def test_unknown_version_says_which_versions_exist(registry: ModelRegistry) -> None:
    register(registry, 2)
    with pytest.raises(
        UnknownVersionError, match=r"version 9 of 'diabetes-progression' does not exist; the newest is 2"
    ):
        registry.get_version(9)


def test_references_with_nothing_behind_them_are_unknown_versions(registry: ModelRegistry) -> None:
    with pytest.raises(UnknownVersionError, match="it has no versions yet"):
        registry.get_version(1)
    with pytest.raises(UnknownVersionError, match="has no version yet"):
        registry.get_version("latest")
    register(registry, 1)
    with pytest.raises(UnknownVersionError, match="has no approved version yet"):
        registry.resolve("latest-approved")
    with pytest.raises(UnknownVersionError, match="no version of 'diabetes-progression' is in Production"):
        registry.get_version("production")
    with pytest.raises(UnknownVersionError, match="is in Staging"):
        registry.get_version("staging")
    with pytest.raises(UnknownVersionError, match="the newest is 1"):
        registry.get_version(5)


def test_unknown_model_is_refused_as_such(sagemaker: Any) -> None:
    missing = ModelRegistry(sagemaker, "no-such-model")
    for call in (lambda: missing.get_version(1), lambda: missing.resolve("latest"), missing.search_versions):
        with pytest.raises(UnknownModelError, match="'no-such-model' does not exist"):
            call()
    with pytest.raises(UnknownModelError, match="not a model package group name"):
        ModelRegistry(sagemaker, "bad_name!")


def test_reference_to_another_model_is_refused(registry: ModelRegistry) -> None:
    register(registry, 1)
    other = "arn:aws:sagemaker:us-east-1:123456789012:model-package/other-model/1"
    for reference in ("models:/other-model/1", "models:/other-model@production", other):
        with pytest.raises(UnknownModelError, match=r"names model 'other-model'.*--group other-model"):
            registry.get_version(reference)


def test_listing_pages_through_more_versions_than_a_page_holds(sagemaker: Any) -> None:
    registry = ModelRegistry(sagemaker, GROUP, page_size=3)
    register(registry, 8)
    requests: list[dict[str, Any]] = []
    # before-call fires once per API call (retries happen below it) with the request as serialized for the
    # wire: one event per page, and its JSON body is what SageMaker receives.
    sagemaker.meta.events.register(
        "before-call.sagemaker.Search", lambda params, **_: requests.append(json.loads(params["body"]))
    )

    versions = registry.search_versions()

    assert [v.version for v in versions] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert len(requests) == 3  # 3 + 3 + 2
    assert all(r["MaxResults"] == 3 and r["SortOrder"] == "Descending" for r in requests)
    assert "NextToken" not in requests[0] and all(r.get("NextToken") for r in requests[1:])

    requests.clear()
    assert [v.version for v in registry.search_versions(limit=4)] == [8, 7, 6, 5]
    assert len(requests) == 2  # stops once a page has brought the fourth


def test_listing_filters_by_approval_stage_and_metric_bounds(registry: ModelRegistry) -> None:
    register(registry, 5)  # rmse 59, 58, 57, 56, 55
    walk_to(registry, 2, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
    registry.approve_version(4, "ok")
    registry.reject_version(5, "leaks the test set")
    assert [v.version for v in registry.search_versions(approval_status=lifecycle.APPROVED)] == [4, 2]
    assert [v.version for v in registry.search_versions(approval_status=lifecycle.REJECTED)] == [5]
    assert [v.version for v in registry.search_versions(stage=lifecycle.STAGE_STAGING)] == [2]
    assert [v.version for v in registry.search_versions(stage_status=lifecycle.STATUS_REGISTERED)] == [
        5,
        4,
        3,
        1,
    ]
    assert [v.version for v in registry.search_versions(metric_max={"rmse": 57.0})] == [5, 4, 3]
    assert [
        v.version for v in registry.search_versions(metric_min={"rmse": 56.0}, metric_max={"rmse": 58})
    ] == [
        4,
        3,
        2,
    ]
    assert registry.search_versions(metric_max={"accuracy": 1.0}) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"metrics": {"rmse": float("nan")}}, "must be finite"),
        ({"metrics": {"rmse": "low"}}, "must be a number"),
        ({"hyperparameters": {"kernel": "rbf;rm -rf"}}, "letters, digits"),
        ({"code_commit": "x" * 300}, "1-256 characters"),
        ({"hyperparameters": {f"p{i}": i for i in range(49)}}, "at most 50"),
        ({"model_data_url": "/tmp/model.tar.gz"}, "s3:// URI"),
        ({"image": ""}, "image is required"),
        ({"properties": {"metric.rmse": "1"}}, "by their own arguments"),
        ({"approval_status": "Maybe"}, "unknown approval status"),
    ],
)
def test_bad_metadata_is_refused_before_anything_is_registered(
    registry: ModelRegistry, sagemaker: Any, fields: dict[str, Any], message: str
) -> None:
    register(registry, 1)
    before = snapshot(sagemaker)
    with pytest.raises((InvalidMetadataError, ValueError), match=message):
        register(registry, 1, **fields)
    assert snapshot(sagemaker) == before


def test_registering_into_an_unknown_model_is_refused(sagemaker: Any) -> None:
    with pytest.raises(UnknownModelError):
        register(ModelRegistry(sagemaker, "no-such-model"), 1)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"approval_status": "approved"}, "unknown approval status 'approved'"),
        ({"stage": "Prod"}, "unknown stage 'Prod'"),
        ({"stage_status": "Green"}, "unknown stage status 'Green'"),
        (
            {"stage": lifecycle.STAGE_STAGING, "stage_status": lifecycle.STATUS_DEPLOYED},
            "of Staging 'Deployed'",
        ),
    ],
)
def test_listing_refuses_filters_sagemaker_never_holds(
    registry: ModelRegistry, filters: dict[str, str], message: str
) -> None:
    with pytest.raises(MalformedReferenceError, match=message):
        registry.search_versions(**filters)


def test_versions_are_immutable_and_hashable(registry: ModelRegistry) -> None:
    (version,) = register(registry, 1)
    with pytest.raises(TypeError):
        version.metrics["rmse"] = 0.0  # type: ignore[index]
    assert {version, registry.get_version(1)} == {version}
