"""What a pipeline's definition says a local run must honour: its parameters, their allowed values, its gate.

The local runner stands in for SageMaker running the deployed definition (``pipelines/training.py``), so
it reads the same JSON SageMaker reads: ``Parameters`` (Name, Type, DefaultValue, EnumValues) and the
ConditionStep's ``Conditions`` (pipeline definition JSON schema, "Parameters" and "ConditionStep",
SageMaker Developer Guide). An execution's value of a parameter is the one StartPipelineExecution passed,
else the definition's default. Only the parts the training pipeline uses are read: ``LessThanOrEqualTo``
conditions whose right-hand side is a number or ``{"Get": "Parameters.<name>"}``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelops.local.pipeline_errors import PipelineRunError


@dataclass(frozen=True)
class Definition:
    parameters: Mapping[str, Mapping[str, Any]]  # by name
    gate: tuple[Any, ...]  # the right-hand sides of the gate's LessThanOrEqualTo conditions
    mlflow_experiment: str | None

    @classmethod
    def parse(cls, text: str) -> Definition:
        document = json.loads(text or "{}")
        parameters = {p["Name"]: p for p in document.get("Parameters") or []}
        gate = tuple(
            condition.get("RightValue")
            for step in document.get("Steps") or []
            if step.get("Type") == "Condition"
            for condition in step.get("Arguments", {}).get("Conditions", [])
            if condition.get("Type") == "LessThanOrEqualTo"
        )
        mlflow = document.get("MlflowConfig") or {}
        return cls(parameters, gate, mlflow.get("MlflowExperimentName") or None)

    def start_parameters(self, wanted: Mapping[str, Any]) -> list[dict[str, str]]:
        """StartPipelineExecution's ``PipelineParameters`` for the wanted values this definition declares
        (SageMaker refuses a parameter the definition does not declare), refusing a value outside the
        parameter's ``EnumValues``. (The API reference does not say whether SageMaker checks EnumValues when
        the execution starts or when it runs; either way no step runs, so it is refused before starting.)"""
        chosen = []
        for name, value in wanted.items():
            declared = self.parameters.get(name)
            if declared is None or value is None:
                continue
            allowed = declared.get("EnumValues")
            if allowed and str(value) not in allowed:
                raise PipelineRunError(
                    f"parameter {name}={value!r} is not one the pipeline allows: expected one of {', '.join(allowed)}"
                )
            chosen.append({"Name": name, "Value": str(value)})
        return chosen

    def value(self, name: str, started: list[dict[str, str]], fallback: Any) -> Any:
        """The execution's value of ``name``: passed, else the definition's default, else ``fallback``."""
        for parameter in started:
            if parameter["Name"] == name:
                return parameter["Value"]
        declared = self.parameters.get(name)
        return declared.get("DefaultValue", fallback) if declared else fallback

    def bar(self, started: list[dict[str, str]], fallback: float) -> float:
        """The strictest bar of the gate's conditions (all must hold); ``fallback`` when there is no gate."""
        bars = [float(self._resolve(side, started)) for side in self.gate] or [fallback]
        if not all(math.isfinite(b) for b in bars):
            raise PipelineRunError(f"the pipeline's gate has a bar that is not a number: {bars}")
        return min(bars)

    def _resolve(self, side: Any, started: list[dict[str, str]]) -> Any:
        if isinstance(side, (int, float)):
            return side
        reference = side.get("Get", "") if isinstance(side, dict) else ""
        if not reference.startswith("Parameters."):
            raise PipelineRunError(
                f"the pipeline's gate compares with {side!r}, which a local run cannot read"
            )
        return self.value(reference.removeprefix("Parameters."), started, math.nan)
