"""Canaries: each fails loudly when moto starts doing natively what ``modelops.local.patches`` patches in.

When one fails, moto has caught up: check its behaviour against the SageMaker API reference, then delete
the patch (and this canary) instead of patching over a native implementation. They read moto's classes
directly, which hold moto's own members whenever no embedded AWS runs (the patches are undone on stop).
"""

from __future__ import annotations

import inspect
from typing import Any

import moto.events.notifications
import pytest
from moto.events.responses import EventsHandler
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import ModelPackage, SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemakerruntime.models import SageMakerRuntimeBackend

from modelops.local.patches import registry

ACCOUNT, REGION = "123456789012", "us-east-1"
_OWNERS: dict[str, type] = {
    "backend": SageMakerModelBackend,
    "response": SageMakerResponse,
    "ModelPackage": ModelPackage,
    "events": EventsHandler,
}


class _Native:
    """moto's own member ``<owner>.<name>`` (None: moto lacks it), read while no patch is applied."""

    def __getitem__(self, key: str) -> Any:
        assert not registry().applied, "a patch is still applied: these would not be moto's own members"
        owner, name = key.split(".", 1)
        return vars(_OWNERS[owner]).get(name)


NATIVE = _Native()


@pytest.fixture
def backend() -> SageMakerModelBackend:
    native = SageMakerModelBackend(REGION, ACCOUNT)
    native.create_model_package_group("g", "canary")
    return native


def package(backend: SageMakerModelBackend) -> str:
    arn: str = backend.create_model_package(
        model_package_name=None,
        model_package_group_name="g",
        model_package_description=None,
        inference_specification={"Containers": []},
        validation_specification=None,
        source_algorithm_specification=None,
        certify_for_marketplace=False,
        tags=None,
        model_approval_status=None,
        metadata_properties=None,
        model_metrics=None,
        client_token=None,
        customer_metadata_properties={"kept": "1"},
        drift_check_baselines=None,
        domain=None,
        task=None,
        sample_payload_url=None,
        additional_inference_specifications=None,
    )
    return arn


@pytest.mark.parametrize(
    "api",
    [
        "response.update_endpoint",
        "backend.update_endpoint",
        "response.delete_model_package",
        "response.put_model_package_group_policy",
        "response.get_model_package_group_policy",
        "response.delete_model_package_group_policy",
    ],
)
def test_moto_still_lacks_the_api(api: str) -> None:
    assert NATIVE[api] is None, f"moto now implements {api}: compare it with the patch and drop the patch"


def test_moto_still_ignores_model_life_cycle_on_create_and_update() -> None:
    assert "ModelLifeCycle" not in inspect.getsource(NATIVE["response.create_model_package"])
    assert "model_life_cycle" not in inspect.signature(NATIVE["backend.update_model_package"]).parameters
    assert "ModelLifeCycle" not in inspect.getsource(NATIVE["ModelPackage.gen_response_object"])


def test_moto_update_model_package_still_wipes_metadata_it_is_not_given(
    backend: SageMakerModelBackend,
) -> None:
    arn = package(backend)
    NATIVE["backend.update_model_package"](backend, arn, "Approved", None, None, [], None)

    assert backend.model_packages[arn].customer_metadata_properties is None


def test_moto_still_crashes_resolving_a_model_package_arn_for_tags(backend: SageMakerModelBackend) -> None:
    with pytest.raises(ValueError, match="too many values to unpack"):
        NATIVE["backend._get_resource_from_arn"](
            backend, f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/g/1"
        )


def test_moto_add_tags_still_appends_a_duplicate_key(backend: SageMakerModelBackend) -> None:
    arn = backend.model_package_groups["g"].arn
    for value in ("1", "2"):
        NATIVE["backend.add_tags"](backend, arn, [{"Key": "k", "Value": value}])

    assert [t["Value"] for t in backend.model_package_groups["g"].tags] == ["1", "2"]


def test_moto_search_still_rejects_model_life_cycle_filters(backend: SageMakerModelBackend) -> None:
    package(backend)
    with pytest.raises(ValidationError, match="Unknown property name"):
        NATIVE["backend.search"](
            backend,
            "ModelPackage",
            {"Filters": [{"Name": "ModelLifeCycle.Stage", "Operator": "Equals", "Value": "Staging"}]},
        )


def test_moto_endpoints_are_still_in_service_at_once(backend: SageMakerModelBackend) -> None:
    backend.create_model("m", "arn:aws:iam::123456789012:role/r", {"Image": "i"}, None, None, None)
    backend.create_endpoint_config(
        "c", [{"VariantName": "v", "ModelName": "m", "InstanceType": "ml.m5.large"}], {}, {}, [], ""
    )

    endpoint = NATIVE["backend.create_endpoint"](backend, "e", "c", [])

    assert endpoint.endpoint_status == "InService"


def test_moto_invoke_endpoint_still_answers_canned_data_for_any_endpoint() -> None:
    answer = SageMakerRuntimeBackend(REGION, ACCOUNT).invoke_endpoint("no-such-endpoint", b"request")

    assert answer[0] == "body"


def test_moto_still_emits_no_sagemaker_events() -> None:
    assert "sagemaker" not in inspect.getsource(moto.events.notifications).lower()


def test_moto_search_still_answers_every_match_in_one_page(backend: SageMakerModelBackend) -> None:
    for _ in range(12):
        package(backend)

    result = NATIVE["backend.search"](backend, "ModelPackage", None)

    assert (len(result["Results"]), result["NextToken"]) == (12, None)
    assert set(inspect.signature(NATIVE["backend.search"]).parameters) == {
        "self",
        "resource",
        "search_expression",
    }
    source = inspect.getsource(NATIVE["response.search"])
    assert not [p for p in ("MaxResults", "NextToken", "SortBy", "SortOrder") if p in source]


def test_moto_still_lacks_list_pipeline_execution_steps() -> None:
    assert NATIVE["response.list_pipeline_execution_steps"] is None, (
        "moto now implements ListPipelineExecutionSteps: compare it with the pipeline_executions patch and drop it"
    )
    assert NATIVE["backend.list_pipeline_execution_steps"] is None


def test_moto_still_marks_a_fresh_pipeline_execution_succeeded(backend: SageMakerModelBackend) -> None:
    backend.create_pipeline(
        "p", None, '{"Steps": []}', None, None, "arn:aws:iam::123456789012:role/r", [], None
    )
    arn = NATIVE["backend.start_pipeline_execution"](backend, "p", None, [], None, None, None)[
        "PipelineExecutionArn"
    ]

    described = NATIVE["backend.describe_pipeline_execution"](backend, arn)

    assert (described["PipelineExecutionStatus"], described["FailureReason"]) == ("Succeeded", "")


def test_moto_still_stubs_test_event_pattern() -> None:
    """Fails when moto implements TestEventPattern: compare, then drop the event_patterns patch."""
    assert NATIVE["events.test_event_pattern"](object()) is None


def test_moto_search_still_ignores_sub_expressions_and_their_operator(backend: SageMakerModelBackend) -> None:
    package(backend)
    nobody = {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": "no-such-group"}

    result = NATIVE["backend.search"](
        backend, "ModelPackage", {"SubExpressions": [{"Filters": [nobody]}], "Operator": "Or"}
    )

    assert len(result["Results"]) == 1  # a query no package matches answers every package
