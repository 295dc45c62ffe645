"""The training pipeline's MLflow configuration is the ``pipeline_mlflow`` stage setting: with the managed MLflow
on, the deployed pipeline logs to it by default; a setting points it elsewhere or turns it off; a bad value is
refused in one line. Asked of the synthesized template, as CloudFormation would receive it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.constructs.definition_cache import entry_for
from infra.pipeline_definition import MLFLOW_ARN, definition_inputs
from modelops.contract.settings import SettingsError, StageSettings, settings_from_context
from tests.infra.synth import synth, template

ELSEWHERE = "arn:aws:sagemaker:us-east-1:111122223333:mlflow-app/app-team-tracking"


def _definition(context: dict[str, Any]) -> str:
    """The pipeline's PipelineDefinitionBody as text, with CloudFormation's tokens rendered as their JSON."""
    resources = template(synth(context), "-pipeline").find_resources("AWS::SageMaker::Pipeline")
    ((_, pipeline),) = resources.items()
    body = pipeline["Properties"]["PipelineDefinition"]["PipelineDefinitionBody"]
    if isinstance(body, str):
        return body
    separator, parts = body["Fn::Join"]
    return str(separator).join(p if isinstance(p, str) else json.dumps(p, sort_keys=True) for p in parts)


def _mlflow_config(definition: str) -> str | None:
    """The text of the definition's top-level MlflowConfig object, or None when it is null (the SDK writes the
    key either way)."""
    start = definition.index('"MlflowConfig": ')
    if definition.startswith('"MlflowConfig": null', start):
        return None
    return definition[start : definition.index('"MlflowExperimentName"', start)]


@pytest.fixture(scope="module")
def managed_on() -> str:
    return _definition({"managed_mlflow": "true"})


def test_with_the_managed_mlflow_on_the_pipeline_logs_to_it_by_default(managed_on: str) -> None:
    config = _mlflow_config(managed_on)
    assert config is not None
    # The managed server's ARN in the deploying account and region, by its name (<project>-mlflow).
    assert config == (
        '"MlflowConfig": {"MlflowResourceArn": "arn:{"Ref": "AWS::Partition"}:sagemaker:{"Ref": "AWS::Region"}:'
        '{"Ref": "AWS::AccountId"}:mlflow-tracking-server/modelops-mlflow", '
    )
    assert MLFLOW_ARN not in managed_on


def test_the_setting_turns_it_off_or_points_it_elsewhere() -> None:
    assert _mlflow_config(_definition({"managed_mlflow": "true", "pipeline_mlflow": "off"})) is None
    elsewhere = _mlflow_config(_definition({"pipeline_mlflow": ELSEWHERE}))
    assert elsewhere is not None and f'"MlflowResourceArn": "{ELSEWHERE}"' in elsewhere


def test_without_a_managed_mlflow_or_a_setting_the_pipeline_does_not_log() -> None:
    assert StageSettings().pipeline_mlflow_target is None
    assert definition_inputs(StageSettings(), code_commit="c")["mlflow_arn"] is None


def test_the_definition_cache_keys_on_the_setting() -> None:
    stages = [
        StageSettings(),
        StageSettings(managed_mlflow=True),
        StageSettings(managed_mlflow=True, pipeline_mlflow="off"),
        StageSettings(pipeline_mlflow=ELSEWHERE),
    ]
    entries = {entry_for(definition_inputs(s, code_commit="c")) for s in stages}
    assert len(entries) == len(stages)


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (
            {"pipeline_mlflow": "http://127.0.0.1:5000"},
            "invalid pipeline_mlflow 'http://127.0.0.1:5000': expected 'managed' (the stage's managed MLflow), "
            "'off', or the ARN of a SageMaker mlflow-tracking-server or mlflow-app",
        ),
        (
            {"pipeline_mlflow": "managed"},
            "invalid pipeline_mlflow 'managed': 'managed' needs managed_mlflow=true (the stage runs no server)",
        ),
    ],
)
def test_a_bad_value_is_refused_in_one_line_naming_the_setting(
    context: dict[str, str], expected: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        settings_from_context(context)
    assert str(refused.value) == expected
