"""Shadow tests on the embedded AWS: each rule of the inference-experiment API tried against what breaks it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS
from tests.local.patches.shadow_setup import (
    CONFIG,
    ENDPOINT,
    PRODUCTION,
    PRODUCTION_MODEL,
    PRODUCTION_SCALE,
    SHADOW,
    SHADOW_MODEL,
    SHADOW_SCALE,
    experiment_request,
    model_variant,
    production_endpoint,
    variant,
    window,
)


@pytest.fixture
def sm(embedded_aws: EmbeddedAWS) -> Any:
    return production_endpoint(embedded_aws)


def code(raised: pytest.ExceptionInfo[ClientError]) -> str:
    return str(raised.value.response["Error"]["Code"])


def status(sm: Any, name: str = "shadow-1") -> str:
    return str(sm.describe_inference_experiment(Name=name)["Status"])


def predict(aws: EmbeddedAWS, value: float = 1.0) -> float:
    answer = aws.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=ENDPOINT, Body=json.dumps({"instances": [value]}), ContentType="application/json"
    )
    return float(json.loads(answer["Body"].read())["predictions"][0])


def running(sm: Any, aws: EmbeddedAWS, **overrides: Any) -> None:
    sm.create_inference_experiment(**experiment_request(**overrides))
    aws.settle()
    assert status(sm, overrides.get("Name", "shadow-1")) == "Running"


# --- creation and the statuses on the way to Running --------------------------------------------------------


def test_an_experiment_without_a_schedule_starts_at_once_and_deploys_its_shadow_variant(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    arn = sm.create_inference_experiment(**experiment_request())["InferenceExperimentArn"]
    assert arn.endswith(":inference-experiment/shadow-1")

    embedded_aws.settle()

    described = sm.describe_inference_experiment(Name="shadow-1")
    assert described["Status"] == "Running"
    assert described["Schedule"]["EndTime"] - described["Schedule"]["StartTime"] == timedelta(days=7)
    assert {v["VariantName"]: v["Status"] for v in described["ModelVariants"]} == {
        PRODUCTION: "InService",
        SHADOW: "InService",
    }
    endpoint = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointStatus"] == "InService"
    assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == [PRODUCTION]
    assert [v["VariantName"] for v in endpoint["ShadowProductionVariants"]] == [SHADOW]
    assert described["EndpointMetadata"]["EndpointConfigName"] == endpoint["EndpointConfigName"] != CONFIG


def test_the_caller_is_answered_by_production_while_the_shadow_runs(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)

    assert predict(embedded_aws, 2.0) == PRODUCTION_SCALE * 2.0


def test_an_experiment_scheduled_later_waits_created_until_started(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    sm.create_inference_experiment(
        **experiment_request(Schedule=window(timedelta(days=1), timedelta(days=2)))
    )
    embedded_aws.settle()
    assert status(sm) == "Created"
    assert "ShadowProductionVariants" not in sm.describe_endpoint(EndpointName=ENDPOINT)

    sm.start_inference_experiment(Name="shadow-1")
    embedded_aws.settle()

    described = sm.describe_inference_experiment(Name="shadow-1")
    assert described["Status"] == "Running"
    assert described["Schedule"]["StartTime"] <= datetime.now(UTC)


def test_starting_early_caps_the_window_at_thirty_days(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    sm.create_inference_experiment(
        **experiment_request(Schedule=window(timedelta(days=5), timedelta(days=30)))
    )
    embedded_aws.settle()

    sm.start_inference_experiment(Name="shadow-1")

    schedule = sm.describe_inference_experiment(Name="shadow-1")["Schedule"]
    assert schedule["EndTime"] - schedule["StartTime"] == timedelta(days=30)


def test_a_running_experiment_cannot_be_started_again(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    running(sm, embedded_aws)

    with pytest.raises(ClientError) as raised:
        sm.start_inference_experiment(Name="shadow-1")
    assert code(raised) == "ConflictException"


def test_an_experiment_ends_by_itself_when_its_schedule_ends(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    running(sm, embedded_aws, Schedule=window(timedelta(0), timedelta(seconds=2)))

    time.sleep(2.1)
    sm.list_inference_experiments()  # any call lets the emulator notice the time (AWS needs none)
    embedded_aws.settle()

    assert status(sm) == "Completed"
    endpoint = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointConfigName"] == CONFIG  # "the endpoint reverts to the state it was in"
    assert "ShadowProductionVariants" not in endpoint


def test_a_shadow_variant_that_cannot_deploy_cancels_the_experiment_and_leaves_production(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    embedded_aws.faults.fail_next_endpoint_change(
        "capacity error: no ml.m5.large left", endpoint_name=ENDPOINT
    )
    sm.create_inference_experiment(**experiment_request())

    embedded_aws.settle()

    described = sm.describe_inference_experiment(Name="shadow-1")
    assert described["Status"] == "Cancelled"
    assert "capacity error" in described["StatusReason"]
    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == CONFIG
    assert predict(embedded_aws) == PRODUCTION_SCALE


# --- what CreateInferenceExperiment refuses ----------------------------------------------------------------


def refused(sm: Any, **overrides: Any) -> str:
    with pytest.raises(ClientError) as raised:
        sm.create_inference_experiment(**experiment_request(**overrides))
    assert sm.list_inference_experiments()["InferenceExperiments"] == []
    return code(raised)


def test_two_shadow_variants_are_refused(sm: Any) -> None:
    shadows = [
        {"ShadowModelVariantName": SHADOW, "SamplingPercentage": 50},
        {"ShadowModelVariantName": "Other", "SamplingPercentage": 50},
    ]
    config = {"SourceModelVariantName": PRODUCTION, "ShadowModelVariants": shadows}
    assert refused(sm, ShadowModeConfig=config) == "ValidationException"


@pytest.mark.parametrize("length", [timedelta(days=30, seconds=1), timedelta(days=45)])
def test_a_schedule_longer_than_thirty_days_is_refused(sm: Any, length: timedelta) -> None:
    assert refused(sm, Schedule=window(timedelta(hours=1), length)) == "ValidationException"


def test_a_schedule_that_ends_before_it_starts_is_refused(sm: Any) -> None:
    assert refused(sm, Schedule=window(timedelta(hours=2), -timedelta(hours=1))) == "ValidationException"


def test_a_sampling_percentage_over_100_is_refused(sm: Any) -> None:
    assert refused(sm, sampling=101) == "ValidationException"


def test_an_endpoint_that_does_not_exist_is_refused(sm: Any) -> None:
    assert refused(sm, EndpointName="nowhere") == "ValidationException"


def test_an_endpoint_not_in_service_is_refused(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    embedded_aws.clock.delay_seconds = 3600.0  # Updating until the test fast-forwards the clock
    sm.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName=CONFIG)
    with pytest.raises(ClientError) as raised:
        sm.create_inference_experiment(**experiment_request())
    assert code(raised) == "ValidationException"


def test_a_serverless_endpoint_is_refused(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    serverless: dict[str, Any] = {"VariantName": PRODUCTION, "ModelName": PRODUCTION_MODEL}
    serverless["ServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    sm.create_endpoint_config(EndpointConfigName="serverless", ProductionVariants=[serverless])
    sm.create_endpoint(EndpointName="lambda-like", EndpointConfigName="serverless")
    embedded_aws.settle()

    assert refused(sm, EndpointName="lambda-like") == "ValidationException"


def test_a_source_variant_the_endpoint_does_not_serve_is_refused(sm: Any) -> None:
    variants = [model_variant("Elsewhere", PRODUCTION_MODEL), model_variant(SHADOW, SHADOW_MODEL)]
    shadows = [{"ShadowModelVariantName": SHADOW, "SamplingPercentage": 100}]
    config = {"SourceModelVariantName": "Elsewhere", "ShadowModelVariants": shadows}
    assert refused(sm, ModelVariants=variants, ShadowModeConfig=config) == "ValidationException"


def test_a_shadow_model_that_does_not_exist_is_refused(sm: Any) -> None:
    variants = [model_variant(PRODUCTION, PRODUCTION_MODEL), model_variant(SHADOW, "never-created")]
    assert refused(sm, ModelVariants=variants) == "ValidationException"


def test_a_shadow_variant_missing_from_model_variants_is_refused(sm: Any) -> None:
    assert refused(sm, ModelVariants=[model_variant(PRODUCTION, PRODUCTION_MODEL)]) == "ValidationException"


def test_inf1_instances_are_refused(sm: Any) -> None:
    variants = [
        model_variant(PRODUCTION, PRODUCTION_MODEL),
        model_variant(SHADOW, SHADOW_MODEL, "ml.inf1.xlarge"),
    ]
    assert refused(sm, ModelVariants=variants) == "ValidationException"


def test_a_second_experiment_on_the_same_endpoint_is_refused_while_one_runs(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)

    with pytest.raises(ClientError) as raised:
        sm.create_inference_experiment(**experiment_request("shadow-2"))

    assert code(raised) == "ResourceInUse"
    assert "shadow-1" in raised.value.response["Error"]["Message"]


def test_a_taken_name_is_refused(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    running(sm, embedded_aws)
    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Remove"})
    embedded_aws.settle()

    with pytest.raises(ClientError) as raised:
        sm.create_inference_experiment(**experiment_request())
    assert code(raised) == "ResourceInUse"


def test_a_type_other_than_shadow_mode_is_refused(embedded_aws: EmbeddedAWS) -> None:
    # botocore checks no enum client-side, so another client's request reaches the emulator as sent.
    from botocore.config import Config

    sm = production_endpoint(embedded_aws)
    raw = embedded_aws.client("sagemaker", config=Config(parameter_validation=False))
    with pytest.raises(ClientError) as raised:
        raw.create_inference_experiment(**experiment_request(Type="ABTest"))
    assert code(raised) == "ValidationException"
    assert sm.list_inference_experiments()["InferenceExperiments"] == []


# --- StopInferenceExperiment: Promote, Remove, Retain -------------------------------------------------------


def test_stop_with_remove_reverts_the_endpoint_and_records_the_reason(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)

    sm.stop_inference_experiment(
        Name="shadow-1",
        ModelVariantActions={SHADOW: "Remove"},
        DesiredState="Cancelled",
        Reason="approver ended it",
    )
    embedded_aws.settle()

    described = sm.describe_inference_experiment(Name="shadow-1")
    assert (described["Status"], described["StatusReason"]) == ("Cancelled", "approver ended it")
    assert described["CompletionTime"] >= described["CreationTime"]
    assert {v["VariantName"]: v["Status"] for v in described["ModelVariants"]}[SHADOW] == "Deleted"
    endpoint = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointConfigName"] == CONFIG and "ShadowProductionVariants" not in endpoint
    assert predict(embedded_aws) == PRODUCTION_SCALE


def test_stop_with_promote_serves_the_shadow_s_model_without_leaving_service(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)
    embedded_aws.clock.delay_seconds = 3600.0  # hold the endpoint in Updating while requests arrive

    sm.stop_inference_experiment(
        Name="shadow-1", ModelVariantActions={PRODUCTION: "Remove", SHADOW: "Promote"}
    )
    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"] == "Updating"
    during = predict(embedded_aws)  # still served, by production, while the update runs
    embedded_aws.clock.fast_forward()
    embedded_aws.settle()

    assert during == PRODUCTION_SCALE
    assert predict(embedded_aws) == SHADOW_SCALE
    endpoint = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert endpoint["EndpointStatus"] == "InService"
    assert [v["VariantName"] for v in endpoint["ProductionVariants"]] == [SHADOW]
    assert "ShadowProductionVariants" not in endpoint
    described = sm.describe_inference_experiment(Name="shadow-1")
    assert described["Status"] == "Completed"
    assert {v["VariantName"]: v["Status"] for v in described["ModelVariants"]} == {
        PRODUCTION: "Deleted",
        SHADOW: "InService",
    }


def test_a_promotion_that_fails_to_deploy_leaves_production_serving(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)
    embedded_aws.faults.fail_next_endpoint_change("out of capacity", endpoint_name=ENDPOINT)

    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Promote"})
    embedded_aws.settle()

    assert predict(embedded_aws) == PRODUCTION_SCALE
    assert "out of capacity" in sm.describe_inference_experiment(Name="shadow-1")["StatusReason"]


def test_stop_with_retain_keeps_the_shadow_variant(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    running(sm, embedded_aws)

    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Retain"})
    embedded_aws.settle()

    endpoint = sm.describe_endpoint(EndpointName=ENDPOINT)
    assert [v["VariantName"] for v in endpoint["ShadowProductionVariants"]] == [SHADOW]
    assert status(sm) == "Completed"


@pytest.mark.parametrize(
    "actions",
    [
        {PRODUCTION: "Promote"},  # production is production already
        {PRODUCTION: "Remove", SHADOW: "Remove"},  # the endpoint would serve nothing
        {"Stranger": "Remove"},  # not a variant of the experiment
    ],
)
def test_stop_actions_that_make_no_sense_are_refused(
    sm: Any, embedded_aws: EmbeddedAWS, actions: dict[str, str]
) -> None:
    running(sm, embedded_aws)

    with pytest.raises(ClientError) as raised:
        sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions=actions)

    assert code(raised) == "ValidationException"
    assert status(sm) == "Running"


def test_a_finished_experiment_cannot_be_stopped_again(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    running(sm, embedded_aws)
    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Remove"})
    embedded_aws.settle()

    with pytest.raises(ClientError) as raised:
        sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Promote"})

    assert code(raised) == "ConflictException"
    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == CONFIG


def test_stop_while_the_endpoint_is_busy_is_refused_and_changes_nothing(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)
    embedded_aws.clock.delay_seconds = 3600.0
    current = sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"]
    sm.update_endpoint(EndpointName=ENDPOINT, EndpointConfigName=current)

    with pytest.raises(ClientError) as raised:
        sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Promote"})

    assert code(raised) == "ConflictException"
    assert status(sm) == "Running"


def test_a_created_experiment_can_be_cancelled_before_it_starts(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    sm.create_inference_experiment(
        **experiment_request(Schedule=window(timedelta(days=1), timedelta(days=1)))
    )
    embedded_aws.settle()

    sm.stop_inference_experiment(
        Name="shadow-1", ModelVariantActions={SHADOW: "Remove"}, DesiredState="Cancelled"
    )
    embedded_aws.settle()

    assert status(sm) == "Cancelled"
    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == CONFIG


# --- UpdateInferenceExperiment ------------------------------------------------------------------------------


def test_a_running_experiment_can_extend_its_end_and_change_its_description(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)
    end = datetime.now(UTC) + timedelta(days=10)
    embedded_aws.clock.delay_seconds = 3600.0  # Updating until the test fast-forwards

    sm.update_inference_experiment(Name="shadow-1", Schedule={"EndTime": end}, Description="longer")
    assert status(sm) == "Updating"
    embedded_aws.clock.fast_forward()

    described = sm.describe_inference_experiment(Name="shadow-1")
    assert (described["Status"], described["Description"]) == ("Running", "longer")
    assert abs(described["Schedule"]["EndTime"] - end) < timedelta(seconds=1)


@pytest.mark.parametrize(
    "change",
    [
        {
            "ModelVariants": [
                model_variant(PRODUCTION, PRODUCTION_MODEL),
                model_variant(SHADOW, PRODUCTION_MODEL),
            ]
        },
        {"Schedule": {"StartTime": datetime.now(UTC) + timedelta(days=1)}},
        {"DataStorageConfig": {"Destination": "s3://elsewhere/x"}},
    ],
)
def test_a_running_experiment_refuses_what_only_a_scheduled_one_may_change(
    sm: Any, embedded_aws: EmbeddedAWS, change: dict[str, Any]
) -> None:
    running(sm, embedded_aws)

    with pytest.raises(ClientError) as raised:
        sm.update_inference_experiment(Name="shadow-1", **change)

    assert code(raised) == "ValidationException"
    assert status(sm) == "Running"


def test_a_scheduled_experiment_can_change_its_window_but_not_past_thirty_days(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    sm.create_inference_experiment(
        **experiment_request(Schedule=window(timedelta(days=1), timedelta(days=1)))
    )
    embedded_aws.settle()

    with pytest.raises(ClientError) as raised:
        sm.update_inference_experiment(
            Name="shadow-1", Schedule=window(timedelta(days=2), timedelta(days=31))
        )
    assert code(raised) == "ValidationException"
    sm.update_inference_experiment(Name="shadow-1", Schedule=window(timedelta(days=2), timedelta(days=3)))
    embedded_aws.settle()

    schedule = sm.describe_inference_experiment(Name="shadow-1")["Schedule"]
    assert schedule["EndTime"] - schedule["StartTime"] == timedelta(days=3)
    assert status(sm) == "Created"


def test_a_finished_experiment_cannot_be_updated(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    running(sm, embedded_aws)
    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Remove"})
    embedded_aws.settle()

    with pytest.raises(ClientError) as raised:
        sm.update_inference_experiment(Name="shadow-1", Description="too late")
    assert code(raised) == "ConflictException"


# --- DeleteInferenceExperiment, ListInferenceExperiments, tags ----------------------------------------------


def test_a_running_experiment_cannot_be_deleted(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    running(sm, embedded_aws)

    with pytest.raises(ClientError) as raised:
        sm.delete_inference_experiment(Name="shadow-1")

    assert code(raised) == "ConflictException"
    assert status(sm) == "Running"


def test_deleting_a_finished_experiment_forgets_it_and_leaves_the_endpoint(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    running(sm, embedded_aws)
    sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Promote"})
    embedded_aws.settle()

    sm.delete_inference_experiment(Name="shadow-1")

    with pytest.raises(ClientError) as raised:
        sm.describe_inference_experiment(Name="shadow-1")
    assert code(raised) == "ResourceNotFound"
    assert predict(embedded_aws) == SHADOW_SCALE  # "only deletes the metadata of your experiment"


def test_an_unknown_experiment_is_not_found(sm: Any) -> None:
    for call in (
        sm.describe_inference_experiment,
        sm.start_inference_experiment,
        sm.delete_inference_experiment,
    ):
        with pytest.raises(ClientError) as raised:
            call(Name="ghost")
        assert code(raised) == "ResourceNotFound"


def test_list_filters_sorts_and_pages(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    later = window(timedelta(days=1), timedelta(days=1))
    for index in range(5):
        endpoint = f"e{index}"
        sm.create_endpoint(EndpointName=endpoint, EndpointConfigName=CONFIG)
        embedded_aws.settle()
        sm.create_inference_experiment(
            **experiment_request(f"test-{index}", EndpointName=endpoint, Schedule=later)
        )
    embedded_aws.settle()
    sm.stop_inference_experiment(
        Name="test-3", ModelVariantActions={SHADOW: "Remove"}, DesiredState="Cancelled"
    )
    embedded_aws.settle()

    first = sm.list_inference_experiments(SortBy="Name", SortOrder="Ascending", MaxResults=2)
    second = sm.list_inference_experiments(
        SortBy="Name", SortOrder="Ascending", MaxResults=2, NextToken=first["NextToken"]
    )

    assert [e["Name"] for e in first["InferenceExperiments"]] == ["test-0", "test-1"]
    assert [e["Name"] for e in second["InferenceExperiments"]] == ["test-2", "test-3"]
    cancelled = sm.list_inference_experiments(StatusEquals="Cancelled")["InferenceExperiments"]
    assert [e["Name"] for e in cancelled] == ["test-3"]
    assert [e["Name"] for e in sm.list_inference_experiments(NameContains="t-4")["InferenceExperiments"]] == [
        "test-4"
    ]
    newest = sm.list_inference_experiments()["InferenceExperiments"]
    assert [e["Name"] for e in newest] == [f"test-{i}" for i in (4, 3, 2, 1, 0)]  # CreationTime, Descending
    future = datetime.now(UTC) + timedelta(hours=1)
    assert sm.list_inference_experiments(CreationTimeAfter=future)["InferenceExperiments"] == []
    with pytest.raises(ClientError) as raised:  # a token is good only with the query that made it
        sm.list_inference_experiments(SortBy="Status", MaxResults=2, NextToken=first["NextToken"])
    assert code(raised) == "ValidationException"


def test_tags_given_at_creation_are_kept_with_the_experiment(sm: Any, embedded_aws: EmbeddedAWS) -> None:
    from moto.sagemaker.models import sagemaker_backends

    arn = sm.create_inference_experiment(**experiment_request(Tags=[{"Key": "version", "Value": "7"}]))[
        "InferenceExperimentArn"
    ]

    # Read in the backend: the reference lists no inference-experiment resource for ListTags, so the
    # IAM-enforced embedded AWS (like IAM on AWS, by the reference's data) cannot authorize that call.
    backend = sagemaker_backends[embedded_aws.account_id][embedded_aws.region]
    assert backend.list_tags(arn)[0] == [{"Key": "version", "Value": "7"}]


# --- shadow variants on endpoint configs (CreateEndpointConfig) -------------------------------------------


def test_an_endpoint_config_keeps_its_shadow_variant_and_its_endpoint_reports_it(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    sm.create_endpoint_config(
        EndpointConfigName="with-shadow",
        ProductionVariants=[variant(PRODUCTION, PRODUCTION_MODEL)],
        ShadowProductionVariants=[variant(SHADOW, SHADOW_MODEL)],
    )
    sm.create_endpoint(EndpointName="shadowed", EndpointConfigName="with-shadow")
    embedded_aws.settle()

    config = sm.describe_endpoint_config(EndpointConfigName="with-shadow")
    assert [v["ModelName"] for v in config["ShadowProductionVariants"]] == [SHADOW_MODEL]
    endpoint = sm.describe_endpoint(EndpointName="shadowed")
    assert [v["VariantName"] for v in endpoint["ShadowProductionVariants"]] == [SHADOW]


@pytest.mark.parametrize(
    ("production", "shadows"),
    [
        (
            [variant(PRODUCTION, PRODUCTION_MODEL)],
            [variant(SHADOW, SHADOW_MODEL), variant("Two", SHADOW_MODEL)],
        ),
        (
            [variant(PRODUCTION, PRODUCTION_MODEL), variant("B", PRODUCTION_MODEL)],
            [variant(SHADOW, SHADOW_MODEL)],
        ),
        ([variant(PRODUCTION, PRODUCTION_MODEL)], [variant(PRODUCTION, SHADOW_MODEL)]),
        ([variant(PRODUCTION, PRODUCTION_MODEL)], [variant(SHADOW, "no-such-model")]),
    ],
    ids=["two-shadows", "two-production-variants", "same-name", "missing-model"],
)
def test_endpoint_configs_sagemaker_refuses_are_refused(
    sm: Any, production: list[dict[str, Any]], shadows: list[dict[str, Any]]
) -> None:
    with pytest.raises(ClientError) as raised:
        sm.create_endpoint_config(
            EndpointConfigName="bad", ProductionVariants=production, ShadowProductionVariants=shadows
        )

    assert code(raised) == "ValidationException"
    with pytest.raises(ClientError):
        sm.describe_endpoint_config(EndpointConfigName="bad")


def test_a_shadow_model_deleted_before_the_start_cancels_the_experiment(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    sm.create_inference_experiment(
        **experiment_request(Schedule=window(timedelta(days=1), timedelta(days=1)))
    )
    embedded_aws.settle()
    sm.delete_model(ModelName=SHADOW_MODEL)

    sm.start_inference_experiment(Name="shadow-1")
    embedded_aws.settle()

    described = sm.describe_inference_experiment(Name="shadow-1")
    assert described["Status"] == "Cancelled" and SHADOW_MODEL in described["StatusReason"]
    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == CONFIG


def test_an_experiment_deleted_and_created_again_under_its_name_runs_again(
    sm: Any, embedded_aws: EmbeddedAWS
) -> None:
    for _ in range(2):
        running(sm, embedded_aws)
        sm.stop_inference_experiment(Name="shadow-1", ModelVariantActions={SHADOW: "Remove"})
        embedded_aws.settle()
        sm.delete_inference_experiment(Name="shadow-1")

    assert sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == CONFIG
