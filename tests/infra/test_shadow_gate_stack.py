"""DeploymentStack with the shadow gate: the evaluator's scheduled rule, function and role only where the gate
is on (prod by default), its environment, and the production deployer's experiment grants only there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import names
from tests.deploy.app import synth_to


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = synth_to(tmp_path_factory.mktemp("gate-prod"), {"stage": "prod", "modelops:stages": _stages()})
    return _template(out, "modelops-prod-deployment")


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _template(synth_to(tmp_path_factory.mktemp("gate-default")), "modelops-deployment")


def _stages() -> dict[str, Any]:
    cdk_json = Path(__file__).resolve().parents[2] / "cdk.json"
    return dict(json.loads(cdk_json.read_text())["context"][names.STAGES_CONTEXT_KEY])


def _template(out: Path, stack: str) -> dict[str, Any]:
    return dict(json.loads((out / f"{stack}.template.json").read_text()))


def _of(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _policies(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The roles' inline policies and the managed ones CDK splits a large policy into."""
    return [*_of(template, "AWS::IAM::Policy").values(), *_of(template, "AWS::IAM::ManagedPolicy").values()]


def _actions(template: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for policy in _policies(template):
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            found.update([actions] if isinstance(actions, str) else actions)
    return found


def test_prod_runs_the_evaluator_on_a_rate_schedule_with_retries_and_a_dead_letter_queue(
    prod: dict[str, Any],
) -> None:
    [rule] = [r for r in _of(prod, "AWS::Events::Rule").values() if "ScheduleExpression" in r["Properties"]]
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    [target] = rule["Properties"]["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == 2 and "DeadLetterConfig" in target
    handlers = {f["Properties"]["Handler"] for f in _of(prod, "AWS::Lambda::Function").values()}
    assert names.handler_path("evaluate_shadow") in handlers


def test_prod_configures_the_gate_through_the_environment(prod: dict[str, Any]) -> None:
    for function in _of(prod, "AWS::Lambda::Function").values():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables[names.ENV_SHADOW_GATE] == "true"
        assert variables[names.ENV_SHADOW_MIN_REQUESTS] == "200"
        assert names.SHADOW_CAPTURE_PREFIX in json.dumps(variables[names.ENV_SHADOW_CAPTURE_URI])


def test_the_default_stage_has_no_evaluator_and_no_experiment_grants(default: dict[str, Any]) -> None:
    assert not [
        r for r in _of(default, "AWS::Events::Rule").values() if "ScheduleExpression" in r["Properties"]
    ]
    assert not {a for a in _actions(default) if "InferenceExperiment" in a}
    for function in _of(default, "AWS::Lambda::Function").values():
        assert function["Properties"]["Environment"]["Variables"][names.ENV_SHADOW_GATE] == "false"


def test_only_the_production_deployer_may_start_or_stop_an_experiment(prod: dict[str, Any]) -> None:
    holders: dict[str, set[str]] = {}
    for policy in _policies(prod):
        roles = {r["Ref"] for r in policy["Properties"].get("Roles", [])}
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            actions = statement["Action"]
            for action in [actions] if isinstance(actions, str) else actions:
                holders.setdefault(action, set()).update(roles)
    starters = holders["sagemaker:CreateInferenceExperiment"] | holders["sagemaker:StopInferenceExperiment"]
    assert len(starters) == 1 and "Production" in next(iter(starters))
    assert any("Evaluator" in role for role in holders["sagemaker:DescribeInferenceExperiment"])
