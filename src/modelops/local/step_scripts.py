"""Run the pipeline's step scripts here, each in a process of its own (``step_processes``) with the container
contract mapped.

The scripts are ``pipelines/steps/*.py`` found through the installed ``pipelines`` package (or
``MODELOPS_PIPELINE_STEPS``); the ``/opt/ml/...`` folders and ``SM_*`` variables of the SageMaker
containers point into a temporary folder. Each step is recorded in the execution's ``StepLog``.
"""

from __future__ import annotations

import json
import os
import shutil
import tarfile
from collections.abc import Mapping
from pathlib import Path

from modelops.contract.names import STEP_EVALUATE, STEP_PREPROCESS, STEP_TRAIN
from modelops.contract.training import DATA_FILE, EVALUATION_FILE, METRICS, RANDOM_STATE
from modelops.local.execution_steps import StepLog
from modelops.local.pipeline_errors import PipelineRunError
from modelops.local.serving_faults import SERVING_FAULTS
from modelops.local.step_processes import StepTimeout, run_script

STEP_TIMEOUT_S = 300


def steps_dir() -> Path:
    """Where the step scripts are: ``MODELOPS_PIPELINE_STEPS``, else the installed ``pipelines.steps``."""
    override = os.environ.get("MODELOPS_PIPELINE_STEPS")
    candidates = [Path(override)] if override else []
    try:
        import pipelines

        candidates.append(pipelines.steps_dir())
    except ImportError:  # a library-only install has no pipelines package
        pass
    for candidate in candidates:
        if (candidate / "train.py").is_file():
            return candidate
    raise PipelineRunError(
        f"cannot find the pipeline step scripts (looked in {', '.join(map(str, candidates)) or 'nowhere'}); "
        "install modelops with its pipelines package or set MODELOPS_PIPELINE_STEPS to the pipelines/steps folder"
    )


def run_steps(
    root: Path,
    scripts: Path,
    params: Mapping[str, int],
    serving_fault: str | None,
    data_csv: Path | None,
    steps: StepLog,
) -> tuple[str, dict[str, float]]:
    pre = root / "preprocess"
    source = pre / "input" / "data" / "data.csv"
    with steps.step(STEP_PREPROCESS, steps.job("processing-job", "preprocess")):
        if data_csv is None:
            from modelops.datasets import write_diabetes_csv

            write_diabetes_csv(source)
        else:
            source.parent.mkdir(parents=True)
            shutil.copyfile(data_csv, source)
        _run("preprocess", scripts / "preprocess.py", [], {"MODELOPS_PROCESSING_DIR": str(pre)})
        data_version = json.loads((pre / "metadata" / DATA_FILE).read_text())["data_version"]

    model_dir = root / "train" / "model"
    train_env = {
        "SM_MODEL_DIR": str(model_dir),
        "SM_CHANNEL_TRAIN": str(pre / "train"),
        "SM_OUTPUT_DIR": str(root / "train" / "output"),
        "SM_OUTPUT_DATA_DIR": str(root / "train" / "output" / "data"),
        "SM_CHANNELS": '["train"]',
        "SM_HPS": json.dumps({**params, "random_state": RANDOM_STATE}),
    }
    args = [part for name, value in params.items() for part in (f"--{name}", str(value))]
    with steps.step(STEP_TRAIN, steps.job("training-job", "train")):
        _run("train", scripts / "train.py", [*args, "--random_state", str(RANDOM_STATE)], train_env)
        if serving_fault is not None:
            with (model_dir / "code" / "inference.py").open("a", encoding="utf-8") as code:
                code.write(SERVING_FAULTS[serving_fault])
        _pack(model_dir, root / "model.tar.gz")

    ev = root / "evaluate"
    with steps.step(STEP_EVALUATE, steps.job("processing-job", "evaluate")):
        (ev / "model").mkdir(parents=True)
        (ev / "test").mkdir()
        shutil.copyfile(root / "model.tar.gz", ev / "model" / "model.tar.gz")
        shutil.copyfile(pre / "test" / "test.csv", ev / "test" / "test.csv")
        _run("evaluate", scripts / "evaluate.py", [], {"MODELOPS_PROCESSING_DIR": str(ev)})
        report = json.loads((ev / "evaluation" / EVALUATION_FILE).read_text())["regression_metrics"]
    return data_version, {name: float(report[name]["value"]) for name in METRICS}


def _run(step: str, script: Path, args: list[str], env: Mapping[str, str]) -> None:
    try:
        result = run_script(script, args, {**os.environ, **env}, STEP_TIMEOUT_S)
    except StepTimeout:
        raise PipelineRunError(f"step {step} did not finish within {STEP_TIMEOUT_S} s") from None
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines() or ["no output"]
        raise PipelineRunError(f"step {step} failed (exit {result.returncode}): {lines[-1]}")


def _pack(model_dir: Path, archive: Path) -> None:
    """model.tar.gz as SageMaker packs /opt/ml/model: the folder's content at the archive root."""
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(model_dir.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(model_dir)))
