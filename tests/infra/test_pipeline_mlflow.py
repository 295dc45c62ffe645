"""The training pipeline's MLflow configuration is the ``pipeline_mlflow`` stage setting: with the managed MLflow
on, the deployed pipeline logs to it by default; a setting points it elsewhere or turns it off; a bad value is
refused in one line. The pipeline's role may track on the one server the pipeline logs to, and use nothing else
of MLflow. Asked of the synthesized templates, as CloudFormation would receive them and as the embedded AWS's
IAM resolves them."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from policy_sentry.querying.actions import get_action_data

from infra.constructs.definition_cache import entry_for
from infra.constructs.managed_mlflow import EXECUTION_TRACKING_ACTIONS, REGISTRY_ACTIONS, TRACKING_ACTIONS
from infra.pipeline_definition import MLFLOW_ARN, definition_inputs
from modelops.contract.settings import SettingsError, StageSettings, settings_from_context
from modelops.local.iam import (
    Assembly,
    Environment,
    Principal,
    Request,
    Statement,
    check_principals,
    collect,
    evaluate,
)
from modelops.local.iam.checker import ERROR
from tests.infra.synth import cfn_lint, synth, template

ELSEWHERE = "arn:aws:sagemaker:us-east-1:111122223333:mlflow-app/app-team-tracking"
TEAM_SERVER = "arn:aws:sagemaker:us-east-1:111122223333:mlflow-tracking-server/team-tracking"
ENV = Environment(account="111122223333", region="us-east-1")
MANAGED_SERVER = f"arn:aws:sagemaker:{ENV.region}:{ENV.account}:mlflow-tracking-server/modelops-mlflow"


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


class PipelineRole:
    """The pipeline's execution role in a synthesized app, as the embedded AWS's IAM resolves it."""

    def __init__(self, context: dict[str, str], outdir: Path) -> None:
        synth(context, outdir=outdir)  # cdk-nag runs here: an unacknowledged finding raises
        self.outdir = outdir
        self.assembly = Assembly.from_cdk_out(outdir, ENV)
        self.principals = collect(self.assembly)
        pipeline = next(name for name in self.assembly.templates if name.endswith("-pipeline"))
        self.identity = self.principals.by_arn(
            str(self.assembly.stack(pipeline).output("PipelineExecutionRoleArn"))
        )

    @property
    def statements(self) -> list[Statement]:
        return [s for policy in self.identity.policies for s in policy.statements]

    def mlflow_grants(self) -> set[tuple[str, str]]:
        """(action, resource) for every allowed action that names or matches a sagemaker-mlflow action."""
        grants: set[tuple[str, str]] = set()
        for s in self.statements:
            assert s.not_actions is None and s.not_resources is None, s.label
            matching = [
                a
                for a in s.actions or ()
                if fnmatch.fnmatchcase("sagemaker-mlflow:", a.lower().split(":")[0] + ":")
            ]
            if s.effect == "Allow":
                grants |= {(a, r) for a in matching for r in s.resources or ()}
        return grants

    def may(self, action: str, resource: str) -> bool:
        principal = Principal(arn=self.identity.principal.arn, account=ENV.account)
        return evaluate(Request(principal, action, resource), self.identity.policies).allowed


@pytest.fixture(scope="module")
def managed_role(tmp_path_factory: pytest.TempPathFactory) -> PipelineRole:
    return PipelineRole({"managed_mlflow": "true"}, tmp_path_factory.mktemp("managed-mlflow-cdk-out"))


def test_with_the_managed_mlflow_the_pipeline_role_tracks_on_that_server_and_uses_nothing_else_of_mlflow(
    managed_role: PipelineRole,
) -> None:
    assert managed_role.mlflow_grants() == {(a, MANAGED_SERVER) for a in EXECUTION_TRACKING_ACTIONS}
    assert managed_role.may("sagemaker-mlflow:CreateRun", MANAGED_SERVER)
    assert managed_role.may("sagemaker-mlflow:LogMetric", MANAGED_SERVER)
    assert not managed_role.may("sagemaker-mlflow:LogMetric", TEAM_SERVER)
    assert not managed_role.may("sagemaker-mlflow:AccessUI", "*")


@pytest.mark.parametrize(
    "action",
    [
        "sagemaker-mlflow:CreateModelVersion",
        "sagemaker-mlflow:CreateRegisteredModel",
        "sagemaker-mlflow:SetRegisteredModelAlias",
        "sagemaker-mlflow:TransitionModelVersionStage",
    ],
)
def test_the_pipeline_role_may_not_use_the_servers_registry(managed_role: PipelineRole, action: str) -> None:
    assert not managed_role.may(action, MANAGED_SERVER)
    granted = {a for a, _ in managed_role.mlflow_grants()}
    assert [a for a in granted if any(fnmatch.fnmatchcase(a, p) for p in REGISTRY_ACTIONS)] == []


def test_an_explicit_tracking_server_is_the_one_the_pipeline_role_tracks_on(tmp_path: Path) -> None:
    role = PipelineRole({"pipeline_mlflow": TEAM_SERVER}, tmp_path)
    assert role.mlflow_grants() == {(a, TEAM_SERVER) for a in EXECUTION_TRACKING_ACTIONS}
    assert role.may("sagemaker-mlflow:LogBatch", TEAM_SERVER)
    assert not role.may("sagemaker-mlflow:LogBatch", MANAGED_SERVER)
    assert not role.may("sagemaker-mlflow:CreateModelVersion", TEAM_SERVER)


def test_an_mlflow_app_gets_no_guessed_grant(tmp_path: Path) -> None:
    # The reference scopes sagemaker-mlflow to the mlflow-tracking-server resource type only (managed_mlflow);
    # the App's owner grants the named pipeline role what the App needs.
    assert PipelineRole({"pipeline_mlflow": ELSEWHERE}, tmp_path).mlflow_grants() == set()


@pytest.mark.parametrize(
    "context", [{}, {"managed_mlflow": "true", "pipeline_mlflow": "off"}], ids=["default", "off"]
)
def test_a_pipeline_that_does_not_log_has_a_role_with_no_mlflow_action(
    context: dict[str, str], tmp_path: Path
) -> None:
    role = PipelineRole(context, tmp_path)
    assert role.mlflow_grants() == set()
    assert [a for s in role.statements for a in s.actions or () if "mlflow" in a.lower()] == []


def test_every_action_granted_on_the_server_is_scoped_by_the_reference_to_a_tracking_server() -> None:
    # AccessUI alone has no resource type (it could be granted on "*" only), and the steps open no UI.
    assert set(EXECUTION_TRACKING_ACTIONS) == set(TRACKING_ACTIONS) - {"sagemaker-mlflow:AccessUI"}
    server = (
        "arn:${Partition}:sagemaker:${Region}:${Account}:mlflow-tracking-server/${MlflowTrackingServerName}"
    )
    for action in EXECUTION_TRACKING_ACTIONS:
        (data,) = get_action_data("sagemaker-mlflow", action.split(":")[1])["sagemaker-mlflow"]
        assert data["resource_arn_format"] == server, action
    (ui,) = get_action_data("sagemaker-mlflow", "AccessUI")["sagemaker-mlflow"]
    assert ui["resource_arn_format"] == "*"


def test_with_the_grant_every_policy_is_known_to_the_reference_and_passes_cfn_lint(
    managed_role: PipelineRole,
) -> None:
    errors = [str(f) for f in check_principals(managed_role.principals) if f.severity == ERROR]
    assert errors == []
    result = cfn_lint(sorted(managed_role.outdir.glob("*pipeline*.template.json")))
    assert result.returncode == 0, result.stdout + result.stderr
