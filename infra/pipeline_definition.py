"""The training pipeline's definition template: built once per set of inputs, and early when synth starts.

The SageMaker SDK needs concrete strings where CloudFormation has tokens (bucket names, role ARN, region,
the code assets' keys), so the definition is built with unmistakable placeholders that
``infra.constructs.training_pipeline`` swaps for the tokens. Because no input is a CDK object, the template
depends only on the stage settings, the recorded commit and the registration statuses, and can be built
before the CDK starts: ``python -m infra`` runs :func:`start_prebuild`, a subprocess that builds it into the
cache (``definition_cache``) on the other core while this process waits for the CDK's Node.js kernel.
The construct then finds it there, or builds it itself when the prebuild could not know its inputs; either
way the bytes are the same. This module must not import ``aws_cdk``: the prebuild's point is to skip it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from infra.constructs.definition_cache import cached_definition, enabled, entry_for
from modelops.contract import lifecycle
from modelops.contract.settings import SettingsError, StageSettings, settings_from_context

# Placeholders: valid where the SDK checks shapes, impossible in a real account.
BUILD_REGION = "us-east-1"
ARTIFACT_BUCKET = "modelops-placeholder-artifact-bucket"
ASSET_BUCKET = "modelops-placeholder-asset-bucket"
ROLE_ARN = "arn:aws:iam::000000000000:role/modelops-placeholder-pipeline-role"
# The MLflow resource the pipeline logs to (``pipeline_mlflow``): the managed server's ARN is a token, and an
# explicit ARN may hold BUILD_REGION, so both are swapped in after the leftover check.
MLFLOW_ARN = "arn:aws:sagemaker:modelops-placeholder-region:000000000000:mlflow-tracking-server/modelops-placeholder-mlflow"
# The code assets' object keys without their extension (the SDK names the processing entry point after the
# file in the URI, so each placeholder keeps the asset's extension and only the hash part is swapped).
CODE_KEYS = {
    "preprocess": ("modelops-placeholder-preprocess-key", ".py"),
    "evaluate": ("modelops-placeholder-evaluate-key", ".py"),
    "train_archive": ("modelops-placeholder-train-key", ".gz"),  # CDK keeps only the last extension
}
PLACEHOLDERS = (
    BUILD_REGION,
    ARTIFACT_BUCKET,
    ASSET_BUCKET,
    ROLE_ARN,
    MLFLOW_ARN,
    *(key for key, _ in CODE_KEYS.values()),
)
CONTEXT_VARIABLE = "CDK_CONTEXT_JSON"  # how the CDK CLI hands the app its context


def definition_inputs(
    settings: StageSettings, *, code_commit: str, approval_statuses: Sequence[str] = (lifecycle.PENDING,)
) -> dict[str, Any]:
    """Everything the definition template is built from, as JSON-ready values (the cache key hashes them)."""
    return {
        "settings": dataclasses.asdict(settings),
        "region": BUILD_REGION,
        "bucket": ARTIFACT_BUCKET,
        "role_arn": ROLE_ARN,
        "code": {name: f"s3://{ASSET_BUCKET}/{key}{suffix}" for name, (key, suffix) in CODE_KEYS.items()},
        "input_data_uri": f"s3://{ARTIFACT_BUCKET}/datasets/{settings.model_package_group_name}/",
        "code_commit": code_commit,
        "approval_statuses": list(approval_statuses),
        "mlflow_arn": MLFLOW_ARN if settings.pipeline_mlflow_target else None,
    }


_prebuild: subprocess.Popen[bytes] | None = None


def definition_template(settings: StageSettings, inputs: Mapping[str, Any]) -> str:
    """The template for ``inputs`` (from ``definition_inputs``): cached, or built with the SDK now."""
    if _prebuild is not None:
        _prebuild.wait()  # it is writing this very entry, most likely; waiting beats building it twice
    return cached_definition(inputs, lambda: _build(settings, inputs))


def _build(settings: StageSettings, inputs: Mapping[str, Any]) -> str:
    # Imported here: the SDK import costs seconds, and a cached template needs none of it.
    from pipelines.training import MlflowTracking, StepCode, build_definition

    mlflow = MlflowTracking(inputs["mlflow_arn"]) if inputs["mlflow_arn"] else None
    return build_definition(
        settings,
        region=inputs["region"],
        bucket=inputs["bucket"],
        role_arn=inputs["role_arn"],
        code=StepCode(**inputs["code"]),
        input_data_uri=inputs["input_data_uri"],
        code_commit=inputs["code_commit"],
        approval_statuses=tuple(inputs["approval_statuses"]),
        mlflow=mlflow,
    )


def _inputs_from_cli_context() -> tuple[StageSettings, dict[str, Any]] | None:
    """The inputs the app will use, read from the context the CLI passed; None when they cannot be known."""
    raw = os.environ.get(CONTEXT_VARIABLE)
    if raw is None:  # not run by the CLI, or the context overflowed to a file: the construct builds it
        return None
    try:
        context = json.loads(raw)
        settings = settings_from_context(context)
    except (ValueError, SettingsError):  # the app itself reports a bad setting, in one line
        return None
    code_commit = str(context.get("code_commit") or "unrecorded")
    return settings, definition_inputs(settings, code_commit=code_commit)


def start_prebuild() -> None:
    """Build the template the app will need in a subprocess, unless it is cached or cannot be known."""
    global _prebuild
    known = _inputs_from_cli_context()
    if known is None or not enabled() or entry_for(known[1]).is_file():
        return
    _prebuild = subprocess.Popen(
        [sys.executable, "-m", "infra.pipeline_definition"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # any failure shows when the construct builds it in-process
    )


def main() -> int:
    known = _inputs_from_cli_context()
    if known is not None:
        definition_template(*known)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
