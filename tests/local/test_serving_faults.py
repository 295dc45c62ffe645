"""The serving faults, appended to the real serving code, misbehave exactly as their names promise."""

from __future__ import annotations

import json
import math
import types
from pathlib import Path
from typing import Any

import numpy as np

from modelops.local.serving_faults import SERVING_FAULTS

SERVING_CODE = Path(__file__).parents[2] / "pipelines" / "steps" / "inference.py"


class _Linear:
    """A stand-in estimator: the prediction is the sum of the features."""

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return rows.sum(axis=1)


def _serving(fault: str | None) -> Any:
    module = types.ModuleType(f"serving_{fault}")
    source = SERVING_CODE.read_text() + (SERVING_FAULTS[fault] if fault else "")
    exec(compile(source, str(SERVING_CODE), "exec"), module.__dict__)  # as the container imports it
    return module


def _predictions(module: Any, rows: list[list[float]]) -> list[float]:
    model = {"estimator": _Linear(), "features": ["a", "b"]}
    data = module.input_fn(json.dumps({"instances": rows}), "application/json")
    body, _ = module.output_fn(module.predict_fn(data, model), "application/json")
    return [float(v) for v in json.loads(body)["predictions"]]


def test_shifted_predictions_answer_finite_numbers_fifteen_percent_high_plus_an_offset() -> None:
    rows = [[1.0, 1.0], [0.5, 0.25], [3.0, -1.0]]
    correct = _predictions(_serving(None), rows)

    shifted = _predictions(_serving("shifted-predictions"), rows)

    assert all(math.isfinite(v) for v in shifted)  # what a staging sample check accepts
    assert all(math.isclose(s, c * 1.15 + 0.05) for s, c in zip(shifted, correct, strict=True))
    assert all(abs(s - c) > 0.04 for s, c in zip(shifted, correct, strict=True))  # never agrees exactly
