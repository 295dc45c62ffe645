"""Test helpers for shadow tests: an endpoint serving one model, a candidate model, experiment requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.local.serving import model_tar

ROLE = "arn:aws:iam::123456789012:role/sagemaker"
ENDPOINT, CONFIG = "prod", "prod-config"
PRODUCTION, SHADOW = "AllTraffic", "Candidate"
PRODUCTION_MODEL, SHADOW_MODEL = "champion", "challenger"
PRODUCTION_SCALE, SHADOW_SCALE = 2.0, 3.0
CAPTURE_BUCKET = "captures"
SERVING_CODE = """
import json, os

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return json.load(f)

def input_fn(body, content_type):
    if content_type != "application/json":
        raise ValueError(f"unsupported content type {content_type}")
    return json.loads(body)

def predict_fn(data, model):
    if model.get("fail"):
        raise RuntimeError("this model always fails")
    return [model["scale"] * x for x in data["instances"]]

def output_fn(prediction, accept):
    return json.dumps({"predictions": prediction}), "application/json"
"""


def artifact(scale: float, *, fail: bool = False) -> bytes:
    model = {"scale": scale, "fail": fail}
    return model_tar({"model.json": json.dumps(model), "code/inference.py": SERVING_CODE})


def create_model(sm: Any, s3: Any, name: str, scale: float, *, fail: bool = False) -> None:
    s3.put_object(Bucket="models", Key=f"{name}/model.tar.gz", Body=artifact(scale, fail=fail))
    sm.create_model(
        ModelName=name,
        ExecutionRoleArn=ROLE,
        PrimaryContainer={
            "Image": "sklearn",
            "ModelDataUrl": f"s3://models/{name}/model.tar.gz",
            "Environment": {
                "SAGEMAKER_PROGRAM": "inference.py",
                "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
            },
        },
    )


def production_endpoint(aws: Any, *, shadow_fails: bool = False) -> Any:
    """The ``prod`` endpoint InService on the champion; the challenger model exists beside it."""
    sm, s3 = aws.client("sagemaker"), aws.client("s3")
    s3.create_bucket(Bucket="models")
    s3.create_bucket(Bucket=CAPTURE_BUCKET)
    create_model(sm, s3, PRODUCTION_MODEL, PRODUCTION_SCALE)
    create_model(sm, s3, SHADOW_MODEL, SHADOW_SCALE, fail=shadow_fails)
    sm.create_endpoint_config(
        EndpointConfigName=CONFIG,
        ProductionVariants=[variant(PRODUCTION, PRODUCTION_MODEL)],
    )
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=CONFIG)
    aws.clock.fast_forward()
    return sm


def variant(name: str, model: str, **extra: Any) -> dict[str, Any]:
    return {
        "VariantName": name,
        "ModelName": model,
        "InstanceType": "ml.m5.large",
        "InitialInstanceCount": 1,
        "InitialVariantWeight": 1.0,
        **extra,
    }


def model_variant(name: str, model: str, instance_type: str = "ml.m5.large") -> dict[str, Any]:
    return {
        "VariantName": name,
        "ModelName": model,
        "InfrastructureConfig": {
            "InfrastructureType": "RealTimeInference",
            "RealTimeInferenceConfig": {"InstanceType": instance_type, "InstanceCount": 1},
        },
    }


def experiment_request(name: str = "shadow-1", *, sampling: int = 100, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "Name": name,
        "Type": "ShadowMode",
        "RoleArn": ROLE,
        "EndpointName": ENDPOINT,
        "ModelVariants": [model_variant(PRODUCTION, PRODUCTION_MODEL), model_variant(SHADOW, SHADOW_MODEL)],
        "ShadowModeConfig": {
            "SourceModelVariantName": PRODUCTION,
            "ShadowModelVariants": [{"ShadowModelVariantName": SHADOW, "SamplingPercentage": sampling}],
        },
        "DataStorageConfig": {
            "Destination": f"s3://{CAPTURE_BUCKET}/shadow",
            "ContentType": {"JsonContentTypes": ["application/json"]},
        },
    }
    request.update(overrides)
    return request


def window(start_in: timedelta, length: timedelta) -> dict[str, datetime]:
    start = datetime.now(UTC) + start_in
    return {"StartTime": start, "EndTime": start + length}
