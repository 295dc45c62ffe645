"""PipelineStack: a CfnPipeline built at synth from get_pipeline, code as assets, a least-privilege role."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from modelops.contract.settings import StageSettings
from modelops.contract.training import SKLEARN_IMAGE_ACCOUNTS

STACK = "modelops-pipeline"
PLACEHOLDERS = ("modelops-placeholder", "000000000000", "us-east-1")


def _template(cdk_out: Path) -> dict[str, Any]:
    return dict(json.loads((cdk_out / f"{STACK}.template.json").read_text()))


def _of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


@pytest.fixture(scope="module")
def template(synthesized_cdk_out: Path) -> dict[str, Any]:
    return _template(synthesized_cdk_out)


@pytest.fixture(scope="module")
def project_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out.project")
    context = {"sagemaker_project_name": "diabetes", "sagemaker_project_id": "p-abcdefghijkl"}
    build_app(context=context, outdir=str(outdir)).synth()
    return outdir


def _definition_text(template: dict[str, Any]) -> str:
    body = _of_type(template, "AWS::SageMaker::Pipeline")[0]["Properties"]["PipelineDefinition"][
        "PipelineDefinitionBody"
    ]
    # The body is a Fn::Join of literal JSON text and references; keep the literal parts.
    return "".join(part if isinstance(part, str) else "<ref>" for part in body["Fn::Join"][1])


def test_stack_holds_one_pipeline_whose_definition_comes_from_get_pipeline(template: dict[str, Any]) -> None:
    pipelines = _of_type(template, "AWS::SageMaker::Pipeline")
    assert len(pipelines) == 1
    assert pipelines[0]["Properties"]["PipelineName"] == "modelops-training"
    text = _definition_text(template)
    for step in (
        '"Name": "Preprocess"',
        '"Name": "Train"',
        '"Name": "Evaluate"',
        '"Name": "Gate"',
        '"Name": "Register"',
    ):
        assert step in text
    assert not any(placeholder in text for placeholder in PLACEHOLDERS)


def test_image_account_comes_from_a_region_mapping(template: dict[str, Any]) -> None:
    mapping = next(iter(template["Mappings"].values()))
    assert {region: entry["account"] for region, entry in mapping.items()} == dict(SKLEARN_IMAGE_ACCOUNTS)


def test_image_accounts_match_the_sagemaker_sdk() -> None:
    import sagemaker.core

    config = Path(sagemaker.core.__file__).parent / "image_uri_config" / "sklearn.json"
    registries = json.loads(config.read_text())["inference"]["versions"]["1.9-0"]["registries"]
    assert registries == dict(SKLEARN_IMAGE_ACCOUNTS)


def test_step_code_reaches_s3_as_cdk_assets(synthesized_cdk_out: Path, template: dict[str, Any]) -> None:
    manifest = json.loads((synthesized_cdk_out / f"{STACK}.assets.json").read_text())
    packaged = sorted(
        Path(a["source"]["path"]).suffix for a in manifest["files"].values() if "path" in a["source"]
    )
    assert packaged.count(".py") == 2 and ".gz" in packaged
    text = _definition_text(template)
    # The training container fetches the source archive named here (the asset key is its content hash).
    assert re.search(r'"sagemaker_submit_directory": "s3://<ref>/[0-9a-f]{64}\.gz"', text)
    assert re.search(
        r'"ContainerEntrypoint": \["python3", "/opt/ml/processing/input/code/[0-9a-f]{64}\.py"\]', text
    )


def test_execution_role_registers_pending_versions_in_this_group_only(template: dict[str, Any]) -> None:
    statements = [
        s
        for p in _of_type(template, "AWS::IAM::Policy")
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]
    register = [s for s in statements if s["Action"] == "sagemaker:CreateModelPackage"]
    assert len(register) == 1
    condition = register[0]["Condition"]
    assert condition["StringEquals"] == {"sagemaker:ModelApprovalStatus": ["PendingManualApproval"]}
    # The pipeline runs the data scientist's code: a new version starts in Development, with no evidence.
    assert condition["StringEqualsIfExists"] == {
        "sagemaker:ModelLifeCycle:Stage": "Development",
        "sagemaker:ModelLifeCycle:StageStatus": "Registered",
    }
    for key in ("deploy.staging_verification", "deploy.production_endpoint", "deploy.rejection_notified"):
        assert condition["Null"][f"sagemaker:CustomerMetadataProperties/{key}"] == "true"
    assert "diabetes-progression/*" in json.dumps(register[0]["Resource"])
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert not {a for a in actions if a.endswith(":*") or a == "*"}
    assert "sagemaker:UpdateModelPackage" not in actions  # the pipeline can never approve
    code = next(s for s in statements if s.get("Sid") == "ReadTheStepCode")
    assert len(code["Resource"]) == 3  # the three code objects, not the whole asset bucket


def test_pipeline_carries_project_tags_only_when_a_project_is_configured(
    template: dict[str, Any], project_cdk_out: Path
) -> None:
    untagged = {t["Key"] for t in _of_type(template, "AWS::SageMaker::Pipeline")[0]["Properties"]["Tags"]}
    assert not {k for k in untagged if k.startswith("sagemaker:")}
    tagged = _of_type(_template(project_cdk_out), "AWS::SageMaker::Pipeline")[0]["Properties"]["Tags"]
    assert {"Key": "sagemaker:project-name", "Value": "diabetes"} in tagged
    assert {"Key": "sagemaker:project-id", "Value": "p-abcdefghijkl"} in tagged


def test_synth_is_byte_identical_across_runs(synthesized_cdk_out: Path, tmp_path: Path) -> None:
    from infra.app import build_app

    build_app(outdir=str(tmp_path)).synth()
    assert (tmp_path / f"{STACK}.template.json").read_bytes() == (
        synthesized_cdk_out / f"{STACK}.template.json"
    ).read_bytes()


def test_threshold_of_the_stage_becomes_the_parameter_default(template: dict[str, Any]) -> None:
    text = _definition_text(template)
    assert (
        f'"Name": "MetricThreshold", "Type": "Float", "DefaultValue": {StageSettings().metric_threshold}'
        in text
    )
