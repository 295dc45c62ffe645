"""The training pipeline definition: its steps, their wiring, the gate, the registration, and how it is built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.contract.registration import Registration, metric_text, registration_request
from modelops.contract.settings import SettingsError, StageSettings
from modelops.contract.training import HYPERPARAMETERS, METRICS, RANDOM_STATE, SERVING_ENVIRONMENT
from pipelines.training import PipelineDefinitionError, StepCode, build_definition

ROLE = "arn:aws:iam::111122223333:role/pipeline"
BUCKET = "artifacts-bucket"
REPO = Path(__file__).resolve().parents[2]


def _build(settings: StageSettings | None = None, **options: Any) -> str:
    return build_definition(
        settings or StageSettings(), region="eu-west-1", bucket=BUCKET, role_arn=ROLE, **options
    )


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return dict(json.loads(_build(code_commit="0123abc")))


def _steps(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    top = {step["Name"]: step for step in definition["Steps"]}
    gate = top["Gate"]["Arguments"]
    nested = {step["Name"]: step for step in gate["IfSteps"] + gate["ElseSteps"]}
    return {**top, **nested}


def test_steps_run_preprocess_train_evaluate_then_gate(definition: dict[str, Any]) -> None:
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        ("Preprocess", "Processing"),
        ("Train", "Training"),
        ("Evaluate", "Processing"),
        ("Gate", "Condition"),
    ]


def test_each_step_consumes_the_outputs_of_the_one_before(definition: dict[str, Any]) -> None:
    steps = _steps(definition)
    train_input = steps["Train"]["Arguments"]["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"]
    assert train_input == {"Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
    evaluate_inputs = {
        i["InputName"]: i["S3Input"]["S3Uri"] for i in steps["Evaluate"]["Arguments"]["ProcessingInputs"]
    }
    assert evaluate_inputs["model"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}
    assert evaluate_inputs["test"] == {
        "Get": "Steps.Preprocess.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri"
    }
    container = steps["Register"]["Arguments"]["InferenceSpecification"]["Containers"][0]
    assert container["ModelDataUrl"] == {"Get": "Steps.Train.ModelArtifacts.S3ModelArtifacts"}


def test_gate_compares_the_evaluated_rmse_with_the_threshold_and_has_both_branches(
    definition: dict[str, Any],
) -> None:
    gate = _steps(definition)["Gate"]["Arguments"]
    condition = gate["Conditions"][0]
    assert condition["Type"] == "LessThanOrEqualTo"
    assert condition["LeftValue"]["Std:JsonGet"] == {
        "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.EvaluationReport"},
        "Path": "regression_metrics.rmse.value",
    }
    assert condition["RightValue"] == {"Get": "Parameters.MetricThreshold"}
    assert [s["Name"] for s in gate["IfSteps"]] == ["Register"]
    assert [(s["Name"], s["Type"]) for s in gate["ElseSteps"]] == [("MetricAboveBar", "Fail")]
    message = gate["ElseSteps"][0]["Arguments"]["ErrorMessage"]["Std:Join"]["Values"]
    assert (
        message[0] == "rmse"
        and condition["LeftValue"] in message
        and {"Get": "Parameters.MetricThreshold"} in message
    )


def test_parameters_expose_data_instances_hyperparameters_threshold_and_approval(
    definition: dict[str, Any],
) -> None:
    settings = StageSettings()
    params = {p["Name"]: p for p in definition["Parameters"]}
    assert (
        params["InputDataUrl"]["DefaultValue"]
        == f"s3://{BUCKET}/datasets/{settings.model_package_group_name}/"
    )
    assert params["TrainingInstanceType"]["DefaultValue"] == settings.training_instance_type
    assert params["ProcessingInstanceType"]["DefaultValue"] == settings.processing_instance_type
    assert (
        params["TrainingInstanceCount"]["DefaultValue"]
        == params["ProcessingInstanceCount"]["DefaultValue"]
        == 1
    )
    assert {params[n]["DefaultValue"] for n in ("NEstimators", "MaxDepth", "MinSamplesLeaf")} == {200, 6, 5}
    assert params["MetricThreshold"] == {
        "Name": "MetricThreshold",
        "Type": "Float",
        "DefaultValue": settings.metric_threshold,
    }
    assert params["ModelApprovalStatus"]["DefaultValue"] == lifecycle.PENDING
    assert params["ModelApprovalStatus"]["EnumValues"] == list(lifecycle.APPROVAL_STATUSES)
    assert params["CodeCommit"]["DefaultValue"] == "0123abc"
    hyper = _steps(definition)["Train"]["Arguments"]["HyperParameters"]
    assert hyper["n_estimators"] == {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.NEstimators"}]}}
    assert hyper["sagemaker_program"] == "train.py"


def test_registration_records_group_status_metrics_and_reproducibility_metadata(
    definition: dict[str, Any],
) -> None:
    args = _steps(definition)["Register"]["Arguments"]
    assert args["ModelPackageGroupName"] == StageSettings().model_package_group_name
    assert args["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    statistics = args["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert statistics["ContentType"] == "application/json"
    assert statistics["S3Uri"]["Std:Join"]["Values"][-1] == "evaluation.json"
    meta = args["CustomerMetadataProperties"]
    expected = {
        lifecycle.META_CODE_COMMIT,
        lifecycle.META_DATA_VERSION,
        lifecycle.META_PIPELINE_EXECUTION,
        lifecycle.META_TRAINING_JOB,
        lifecycle.META_SAMPLE_PAYLOAD,
        *(
            f"{lifecycle.META_HYPERPARAMETER_PREFIX}{n}"
            for n in ("n_estimators", "max_depth", "min_samples_leaf", "random_state")
        ),
        *(f"{lifecycle.META_METRIC_PREFIX}{n}" for n in ("rmse", "mae", "r2")),
    }
    assert set(meta) == expected
    assert meta[lifecycle.META_PIPELINE_EXECUTION] == {"Get": "Execution.PipelineExecutionArn"}
    assert meta[lifecycle.META_DATA_VERSION]["Std:JsonGet"]["Path"] == "data_version"
    assert meta[lifecycle.META_CODE_COMMIT] == {"Get": "Parameters.CodeCommit"}
    container = args["InferenceSpecification"]["Containers"][0]
    assert (
        container["Image"]
        == "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3"
    )
    assert container["Environment"] == {**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": "eu-west-1"}


def test_every_output_and_code_location_is_an_explicit_uri_in_the_given_bucket(
    definition: dict[str, Any],
) -> None:
    text = json.dumps(definition)
    assert "sagemaker-eu-west-1" not in text  # no SDK default bucket
    steps = _steps(definition)
    for name in ("Preprocess", "Evaluate"):
        outputs = steps[name]["Arguments"]["ProcessingOutputConfig"]["Outputs"]
        assert all(o["S3Output"]["S3Uri"]["Std:Join"]["Values"][1] == BUCKET for o in outputs)
        code = next(i for i in steps[name]["Arguments"]["ProcessingInputs"] if i["InputName"] == "code")
        assert code["S3Input"]["S3Uri"].startswith(f"s3://{BUCKET}/")
    assert steps["Train"]["Arguments"]["OutputDataConfig"]["S3OutputPath"]["Std:Join"]["Values"][1] == BUCKET


def test_definition_is_deterministic(definition: dict[str, Any]) -> None:
    assert json.loads(_build(code_commit="0123abc")) == definition
    assert _build() == _build()


def test_print_builds_offline_without_credentials_or_network() -> None:
    # Any connection attempt fails, and there are no credentials to find.
    guard = (
        "import socket, runpy, sys\n"
        "def refuse(*a, **k): raise OSError('network used while building the definition')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "sys.argv = ['pipelines.training', '--print']\n"
        "runpy.run_module('pipelines.training', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
            "AWS_CONFIG_FILE": "/nonexistent",
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONPATH": str(REPO),
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", guard], capture_output=True, text=True, env=env, cwd=REPO, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["Steps"][0]["Name"] == "Preprocess"
    assert "network used" not in result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"role_arn": "not-an-arn"}, "invalid role ARN 'not-an-arn'"),
        (
            {"code": StepCode.under("/local/path")},
            "invalid preprocess code location '/local/path/preprocess.py'",
        ),
        ({"input_data_uri": "https://example.com/data.csv"}, "invalid input data location"),
        ({"approval_statuses": ("Maybe",)}, "invalid approval statuses"),
        ({"region": "mars-1"}, "not published in region 'mars-1'"),
    ],
)
def test_bad_inputs_stop_with_a_clear_message(options: dict[str, Any], message: str) -> None:
    kwargs: dict[str, Any] = {"region": "eu-west-1", "bucket": BUCKET, "role_arn": ROLE, **options}
    with pytest.raises(PipelineDefinitionError, match=message):
        build_definition(StageSettings(), **kwargs)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("training_instance_type", "m5.large", "invalid training_instance_type 'm5.large'"),
        ("processing_instance_type", "ml.m5", "invalid processing_instance_type 'ml.m5'"),
        ("metric_threshold", -1.0, "invalid metric_threshold '-1.0'"),
    ],
)
def test_bad_stage_settings_stop_before_a_definition_is_built(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        StageSettings(**{field: value})  # type: ignore[arg-type]


def test_the_register_step_records_the_keys_of_the_one_registration_request(
    definition: dict[str, Any],
) -> None:
    """The SDK's ModelStep and ``registration_request`` (library, CLI, local runner) write the same keys."""
    args = _steps(definition)["Register"]["Arguments"]
    request = registration_request(
        Registration(
            group_name=StageSettings().model_package_group_name,
            image="141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.9-0-cpu-py3",
            model_data_url=f"s3://{BUCKET}/pipelines/x/model/model.tar.gz",
            environment={**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": "eu-west-1"},
            code_commit="0123abc",
            data_version="sha256:00",
            pipeline_execution="arn:aws:sagemaker:eu-west-1:111122223333:pipeline/p/execution/e",
            training_job="pipelines-e-train",
            sample_payload_uri=f"s3://{BUCKET}/samples.json",
            evaluation_uri=f"s3://{BUCKET}/evaluation.json",
            hyperparameters={
                **{name: default for name, (default, _low, _high) in HYPERPARAMETERS.items()},
                "random_state": RANDOM_STATE,
            },
            metrics={name: 1.0 for name in METRICS},
        )
    )
    assert set(request["CustomerMetadataProperties"]) == set(args["CustomerMetadataProperties"])
    spec, sdk_spec = request["InferenceSpecification"], args["InferenceSpecification"]
    assert spec["SupportedContentTypes"] == sdk_spec["SupportedContentTypes"]
    assert spec["SupportedResponseMIMETypes"] == sdk_spec["SupportedResponseMIMETypes"]
    assert spec["Containers"][0]["Environment"] == sdk_spec["Containers"][0]["Environment"]
    assert set(request["ModelMetrics"]["ModelQuality"]["Statistics"]) == set(
        args["ModelMetrics"]["ModelQuality"]["Statistics"]
    )
    assert set(request["MetadataProperties"]) <= set(args["MetadataProperties"])


def test_one_metric_format_reads_back_as_the_same_float() -> None:
    for value in (53.81, 0.1 + 0.2, 1e-7, 12345.678901234):
        assert float(metric_text("rmse", value)) == value


def test_the_gate_also_holds_the_stage_s_bar_so_a_parameter_can_raise_the_bar_but_never_lower_it(
    definition: dict[str, Any],
) -> None:
    conditions = _steps(definition)["Gate"]["Arguments"]["Conditions"]
    rights = [c["RightValue"] for c in conditions]
    assert rights == [{"Get": "Parameters.MetricThreshold"}, StageSettings().metric_threshold]
    assert all(c["Type"] == "LessThanOrEqualTo" for c in conditions)
    assert conditions[0]["LeftValue"] == conditions[1]["LeftValue"]


def test_the_definition_has_no_mlflow_configuration_unless_given_one(definition: dict[str, Any]) -> None:
    assert definition.get("MlflowConfig") is None


def test_the_definition_carries_the_pipeline_s_mlflow_configuration() -> None:
    from pipelines.training import MlflowTracking

    arn = "arn:aws:sagemaker:eu-west-1:111122223333:mlflow-tracking-server/modelops"
    built = json.loads(_build(mlflow=MlflowTracking(arn, "diabetes-runs")))
    assert built["MlflowConfig"] == {"MlflowResourceArn": arn, "MlflowExperimentName": "diabetes-runs"}


def test_an_mlflow_resource_that_is_not_a_sagemaker_mlflow_arn_is_refused() -> None:
    from pipelines.training import MlflowTracking

    with pytest.raises(
        PipelineDefinitionError, match="invalid MLflow resource 'http://127\\.0\\.0\\.1:5000'"
    ):
        _build(mlflow=MlflowTracking("http://127.0.0.1:5000"))
