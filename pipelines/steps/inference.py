"""Serving code shipped inside every model version (``model.tar.gz`` -> ``code/inference.py``).

The SageMaker scikit-learn serving container imports this module (``SAGEMAKER_PROGRAM=inference.py``)
and calls ``model_fn`` once, then ``input_fn`` -> ``predict_fn`` -> ``output_fn`` per request. The
embedded AWS's InvokeEndpoint calls the same four functions, so staging verification makes real
predictions locally. Only numpy, joblib and scikit-learn are imported: that is what the container has.

Requests: ``application/json`` as ``{"instances": [[f1, ..., fn], ...]}`` or a bare list of rows, or
``text/csv`` with one row per line and no header. Responses: ``application/json``
``{"predictions": [p1, ...]}``. A malformed request or a model that yields a non-finite prediction
raises ``ValueError`` with the reason; the container turns it into an error response carrying that text.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import joblib
import numpy as np

JSON = "application/json"
CSV = "text/csv"
MAX_ROWS = 1000  # one request; larger scoring jobs belong in batch transform


def model_fn(model_dir: str) -> dict[str, Any]:
    root = Path(model_dir)
    description = json.loads((root / "model.json").read_text(encoding="utf-8"))
    return {"estimator": joblib.load(root / "model.joblib"), "features": description["features"]}


def _text(body: bytes | bytearray | str) -> str:
    return body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body


def input_fn(request_body: bytes | bytearray | str, request_content_type: str) -> np.ndarray:
    content_type = (request_content_type or "").split(";")[0].strip().lower()
    if content_type == JSON:
        try:
            payload = json.loads(_text(request_body))
        except json.JSONDecodeError as err:
            raise ValueError(f"request body is not valid JSON: {err}") from err
        rows = payload.get("instances") if isinstance(payload, dict) else payload
        if not isinstance(rows, list):
            raise ValueError('JSON request must be {"instances": [[...], ...]} or a list of rows')
    elif content_type == CSV:
        text = _text(request_body).strip()
        if not text:
            raise ValueError("CSV request body is empty")
        try:
            rows = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2).tolist()
        except ValueError as err:
            raise ValueError(f"CSV request holds a non-numeric value: {err}") from err
    else:
        raise ValueError(f"unsupported content type {request_content_type!r}; send {JSON} or {CSV}")
    try:
        matrix = np.asarray(rows, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"every row must be a list of numbers of the same length: {err}") from err
    if matrix.ndim != 2 or matrix.shape[0] == 0:
        raise ValueError(f"expected a non-empty list of rows; got an array of shape {matrix.shape}")
    if matrix.shape[0] > MAX_ROWS:
        raise ValueError(f"{matrix.shape[0]} rows in one request; at most {MAX_ROWS} are accepted")
    return matrix


def predict_fn(input_data: np.ndarray, model: dict[str, Any]) -> np.ndarray:
    expected = len(model["features"])
    if input_data.shape[1] != expected:
        raise ValueError(
            f"each row needs {expected} features ({', '.join(model['features'])}); got {input_data.shape[1]}"
        )
    if not np.all(np.isfinite(input_data)):
        raise ValueError("request holds NaN or infinite feature values")
    return np.asarray(model["estimator"].predict(input_data), dtype=np.float64)


def output_fn(prediction: np.ndarray, accept: str) -> tuple[str, str]:
    wanted = (accept or JSON).split(";")[0].strip().lower()
    if wanted not in (JSON, "*/*"):
        raise ValueError(f"unsupported accept type {accept!r}; this model answers {JSON}")
    values = [float(v) for v in np.ravel(prediction)]
    bad = [i for i, v in enumerate(values) if not math.isfinite(v)]
    if bad:
        # A non-finite prediction is a defect of the model or its serving code, never an answer.
        raise ValueError(f"model produced non-finite predictions for rows {bad[:10]}")
    return json.dumps({"predictions": values}), JSON
