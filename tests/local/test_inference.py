"""``preload`` loads a version's model into the cache ``run_inference`` answers from, or fails for its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelops.local.embedded import EmbeddedAWS
from modelops.local.inference import ServingCodeError, preload, run_inference
from tests.local.serving import model_tar

ENVIRONMENT = {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"}
# model_fn notes each load in the file model.json names, so a test can count loads.
SERVING_CODE = """
import json, os

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        model = json.load(f)
    if model.get("broken"):
        raise RuntimeError("weights file is truncated")
    with open(model["loads"], "a") as f:
        f.write("loaded\\n")
    return model

def input_fn(body, content_type):
    return json.loads(body)

def predict_fn(data, model):
    return [model["scale"] * x for x in data["instances"]]

def output_fn(prediction, accept):
    return json.dumps({"predictions": prediction}), "application/json"
"""


def artifact(model: dict[str, Any]) -> bytes:
    return model_tar({"model.json": json.dumps(model), "code/inference.py": SERVING_CODE})


@pytest.fixture
def s3(embedded_aws: EmbeddedAWS) -> Any:
    client = embedded_aws.client("s3")
    client.create_bucket(Bucket="models")
    return client


def test_preload_runs_model_fn_once_and_invocations_answer_from_that_load(s3: Any, tmp_path: Path) -> None:
    loads = tmp_path / "loads.txt"
    s3.put_object(Bucket="models", Key="v1/model.tar.gz", Body=artifact({"scale": 2.0, "loads": str(loads)}))
    url = "s3://models/v1/model.tar.gz"

    preload(url, ENVIRONMENT)
    assert loads.read_text() == "loaded\n"

    for _ in range(2):
        body, _ = run_inference(url, ENVIRONMENT, b'{"instances": [1, 2]}', "application/json", None)
        assert json.loads(body) == {"predictions": [2.0, 4.0]}
    assert loads.read_text() == "loaded\n"


def test_preload_of_a_broken_version_raises_its_reason_and_invocations_fail_for_it_too(
    s3: Any, tmp_path: Path
) -> None:
    model = {"scale": 2.0, "loads": str(tmp_path / "loads.txt"), "broken": True}
    s3.put_object(Bucket="models", Key="broken/model.tar.gz", Body=artifact(model))
    url = "s3://models/broken/model.tar.gz"

    with pytest.raises(ServingCodeError, match="model_fn failed: RuntimeError: weights file is truncated"):
        preload(url, ENVIRONMENT)
    with pytest.raises(ServingCodeError, match="model_fn failed: RuntimeError: weights file is truncated"):
        run_inference(url, ENVIRONMENT, b'{"instances": [1]}', "application/json", None)
