"""Why a local pipeline run stopped: the message says which step and why."""

from __future__ import annotations


class PipelineRunError(Exception):
    """A local pipeline run cannot start or a step failed; the message says which and why."""


class GateFailedError(PipelineRunError):
    """The model's primary metric missed the bar, so no version was registered."""

    def __init__(self, metric: str, value: float, threshold: float) -> None:
        super().__init__(
            f"{metric} {value:.4f} does not meet the bar: must be at most {threshold:g} (lower is better); "
            "no version registered"
        )
        self.metric, self.value, self.threshold = metric, value, threshold
