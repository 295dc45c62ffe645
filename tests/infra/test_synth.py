"""Synth is pure and offline, deterministic, and refuses bad settings before writing anything."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from infra.app import build_app
from modelops.contract import names
from modelops.contract.settings import SettingsError, named_stages, read_stages
from tests.infra.synth import REPO, synth, templates_in


def test_two_synths_give_byte_identical_templates(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    synth(outdir=first)
    synth(outdir=second)
    names = sorted(p.name for p in first.glob("*.template.json"))
    assert names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def _offline_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        HOME=str(tmp_path),  # no ~/.aws
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
    )
    return env


def _run_app(
    tmp_path: Path, context: dict[str, str], *, isolate_network: bool
) -> subprocess.CompletedProcess[str]:
    outdir = tmp_path / "out"
    env = _offline_env(tmp_path)
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_CONTEXT_JSON"] = json.dumps(context)
    command = [sys.executable, "-m", "infra"]  # what cdk.json runs
    if isolate_network:
        command = ["unshare", "--net", *command]
    return subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=300
    )


def _can_isolate_network() -> bool:
    return shutil.which("unshare") is not None and (
        subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False).returncode == 0
    )


def test_synth_needs_no_credentials_and_no_network(tmp_path: Path) -> None:
    # Without a network namespace (an unprivileged machine) credentials are still absent.
    result = _run_app(tmp_path, {}, isolate_network=_can_isolate_network())
    assert result.returncode == 0, result.stderr[-2000:]
    templates = templates_in(tmp_path / "out")
    assert any(name.endswith("-registry.template.json") for name in templates)


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage": "qa"}, "invalid stage 'qa': expected one of default, dev, prod"),
        (
            {"reader_account_ids": "12345"},
            "invalid reader_account_ids '12345': expected 12-digit AWS account IDs",
        ),
        ({"model_package_group_name": "x" * 64}, "invalid model_package_group_name"),
        ({"model_package_group_name": "price_model"}, "invalid model_package_group_name 'price_model'"),
        # SageMaker lower-cases the name in ARNs: IAM statements built from upper case would match nothing.
        (
            {"model_package_group_name": "Diabetes-Progression"},
            "invalid model_package_group_name 'Diabetes-Progression': expected 1-63 lower-case letters",
        ),
        (
            {"project_name": "modelops-prod-v2"},
            "invalid project_name 'modelops-prod-v2': expected a name without",
        ),
        ({"production_traffic_shifting": "big-bang"}, "expected canary, linear, all-at-once"),
        (
            {"production_instance_count": "two"},
            "invalid production_instance_count 'two': expected an integer",
        ),
        ({"staging_serverless": "yes"}, "invalid staging_serverless 'yes': expected true or false"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(context: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        build_app(context)


def test_bad_setting_stops_the_cdk_app_with_one_line_and_no_template(tmp_path: Path) -> None:
    result = _run_app(tmp_path, {"stage": "qa"}, isolate_network=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "modelops: invalid stage 'qa': expected one of default, dev, prod"
    ]
    assert not list((tmp_path / "out").glob("*.template.json"))


def test_project_tags_need_both_name_and_id() -> None:
    with pytest.raises(SettingsError, match="sagemaker_project_name and sagemaker_project_id"):
        synth({"sagemaker_project_name": "churn"})


def test_the_named_stages_share_no_group_project_or_endpoint_in_one_account() -> None:
    stages = list(named_stages(read_stages(REPO / "cdk.json")).values())
    for attribute in ("project_name", "model_package_group_name"):
        values = [getattr(stage, attribute) for stage in stages]
        assert len(set(values)) == len(values), attribute
    # No stage's deployer name pattern covers another stage's models, configs or endpoints.
    for one in stages:
        for environment in names.ENVIRONMENTS:
            prefix = names.resource_prefix(one.project_name, environment)
            for other in stages:
                if other is one:
                    continue
                theirs = [
                    names.resource_prefix(other.project_name, env) + "1-abc" for env in names.ENVIRONMENTS
                ]
                theirs += [names.endpoint_name(other.project_name, env) for env in names.ENVIRONMENTS]
                assert not any(name.startswith(prefix) for name in theirs), (prefix, other.stage)


def test_two_stages_sharing_a_group_are_refused_naming_the_setting() -> None:
    stages = {"a": {"project_name": "team-a"}, "b": {"project_name": "team-b"}}
    with pytest.raises(
        SettingsError, match="invalid model_package_group_name 'diabetes-progression' of stage"
    ):
        named_stages(stages)
