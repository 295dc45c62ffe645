"""The serving code shipped in every version (pipelines/steps/inference.py), called as the container calls it."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from modelops.datasets import write_diabetes_csv

STEPS = Path(__file__).resolve().parents[2] / "pipelines" / "steps"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"serving_under_test_{name}", STEPS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def serving() -> ModuleType:
    return _load("inference")


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory, serving: ModuleType) -> Any:
    """A small model trained by train.py itself, on the diabetes data, loaded by model_fn."""
    root = tmp_path_factory.mktemp("serving")
    write_diabetes_csv(root / "train" / "data.csv")
    result = subprocess.run(
        [
            sys.executable,
            str(STEPS / "train.py"),
            "--n_estimators",
            "10",
            "--model-dir",
            str(root / "model"),
            "--train",
            str(root / "train"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (root / "model" / "code" / "inference.py").read_bytes() == (STEPS / "inference.py").read_bytes()
    return serving.model_fn(str(root / "model"))


ROW = [0.03, 0.05, 0.06, 0.02, -0.04, -0.03, -0.04, 0.0, 0.02, -0.01]


def _predict(
    serving: ModuleType, model: Any, body: bytes | str, content_type: str, accept: str = "application/json"
) -> Any:
    data = serving.input_fn(body, content_type)
    answer, answered = serving.output_fn(serving.predict_fn(data, model), accept)
    assert answered == "application/json"
    return json.loads(answer)["predictions"]


def test_json_instances_bare_rows_and_csv_give_the_same_predictions(serving: ModuleType, model: Any) -> None:
    instances = _predict(serving, model, json.dumps({"instances": [ROW, ROW]}).encode(), "application/json")
    bare = _predict(serving, model, json.dumps([ROW]), "application/json; charset=utf-8")
    csv = _predict(serving, model, ("\n".join([",".join(map(str, ROW))] * 3)).encode(), "text/csv")
    assert len(instances) == 2 and len(bare) == 1 and len(csv) == 3
    assert instances[0] == bare[0] == csv[2]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b'{"rows": []}', "application/json", "must be"),
        (b"[]", "application/json", "non-empty list of rows"),
        (b"[[1, 2], [3]]", "application/json", "same length"),
        (b"1,2,x", "text/csv", "non-numeric"),
        (b"", "text/csv", "empty"),
        (b"<xml/>", "application/xml", "unsupported content type"),
    ],
)
def test_malformed_requests_are_refused_with_the_reason(
    serving: ModuleType, body: bytes, content_type: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        serving.input_fn(body, content_type)


def test_rows_with_the_wrong_number_of_features_name_the_expected_features(
    serving: ModuleType, model: Any
) -> None:
    with pytest.raises(ValueError, match=r"each row needs 10 features \(age, sex, bmi"):
        serving.predict_fn(serving.input_fn(b"[[1, 2, 3]]", "application/json"), model)


def test_non_finite_predictions_are_never_answered(serving: ModuleType) -> None:
    import numpy as np

    with pytest.raises(ValueError, match=r"non-finite predictions for rows \[1\]"):
        serving.output_fn(np.array([1.0, np.nan]), "application/json")


def test_only_json_responses_are_offered(serving: ModuleType) -> None:
    import numpy as np

    with pytest.raises(ValueError, match="unsupported accept type 'text/csv'"):
        serving.output_fn(np.array([1.0]), "text/csv")
