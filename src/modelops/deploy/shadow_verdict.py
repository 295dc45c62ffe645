"""Judge a shadow test from its numbers: error rate, p50/p99 ModelLatency and agreement on the same requests.

Pure functions over what the evaluator read (``shadow_evaluator``), so every rule is testable on numbers alone.
The comparisons are relative to production on the same window and the same requests, never absolute: a busy
hour slows both variants alike, and a hard input is hard for both.

- error rate: (Invocation5XXErrors + InvocationModelErrors) / Invocations of each variant (the invocation
  metrics of "Amazon SageMaker AI metrics in Amazon CloudWatch"); the shadow's may exceed production's by at
  most ``error_rate_tolerance`` (an absolute fraction). Shadow responses never reach a caller, so their errors
  count only here.
- latency: the shadow's p50 and p99 ModelLatency may exceed production's by at most ``latency_tolerance``
  (a fraction of production's).
- agreement: for this regression model, the mean absolute difference of the shadow's predictions from
  production's on the same requests, divided by the standard deviation of production's predictions (its
  spread), at most ``agreement_tolerance``. A model that answers plausible but shifted numbers passes every
  sample check and every latency bound, and fails here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from modelops.contract import lifecycle as lc
from modelops.deploy.settings import ShadowGate

PENDING = "pending"  # not judged yet: the window runs and the shadow has answered too few requests
_MAX_VERDICT = 256  # SageMaker's cap on a CustomerMetadataProperties value


@dataclass(frozen=True)
class VariantNumbers:
    """One variant's invocation metrics over the test window."""

    invocations: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.errors / self.invocations if self.invocations else 0.0


@dataclass(frozen=True)
class Agreement:
    """How far the shadow's predictions are from production's on the requests both answered."""

    pairs: int  # predictions compared (one per row of each request both variants answered)
    mean_abs_difference: float
    production_spread: float  # standard deviation of production's predictions over those rows

    @property
    def ratio(self) -> float:
        if self.mean_abs_difference == 0:
            return 0.0
        return self.mean_abs_difference / self.production_spread if self.production_spread else math.inf


def agreement(pairs: Sequence[tuple[float, float]]) -> Agreement:
    """The agreement of (production, shadow) prediction pairs."""
    if not pairs:
        return Agreement(0, 0.0, 0.0)
    production = [p for p, _ in pairs]
    mean = sum(production) / len(production)
    spread = math.sqrt(sum((p - mean) ** 2 for p in production) / len(production))
    difference = sum(abs(s - p) for p, s in pairs) / len(pairs)
    return Agreement(len(pairs), difference, spread)


@dataclass(frozen=True)
class Comparison:
    """One comparison of the shadow with production, with its limit."""

    name: str
    shadow: float | None
    production: float | None
    limit: float | None
    ok: bool
    text: str


@dataclass(frozen=True)
class Judgement:
    """The verdict so far: an outcome (``lifecycle.SHADOW_OUTCOMES`` or ``PENDING``) and its numbers."""

    outcome: str
    requests: int
    comparisons: tuple[Comparison, ...]
    note: str = ""

    def summary(self) -> str:
        """The numbers in one line (what the verdict records and the StageDescription shows)."""
        parts = [f"{self.requests} requests", *(c.text for c in self.comparisons)]
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


def judge(
    production: VariantNumbers,
    shadow: VariantNumbers,
    agreed: Agreement,
    gate: ShadowGate,
    *,
    window_over: bool,
) -> Judgement:
    """The verdict of a test: pending until the window is over or the shadow answered ``min_requests``;
    then no-traffic below that count, else pass only when every comparison holds."""
    requests = shadow.invocations
    comparisons = _comparisons(production, shadow, agreed, gate)
    if requests < gate.min_requests:
        if not window_over:
            return Judgement(PENDING, requests, comparisons, f"waiting for {gate.min_requests} requests")
        note = (
            f"no traffic: {requests} of {gate.min_requests} requests in {gate.window_minutes} min; raise "
            "shadow_window_minutes (or lower shadow_min_requests) in the stage settings, then register it again"
        )
        return Judgement(lc.SHADOW_NO_TRAFFIC, requests, (), note)
    outcome = lc.SHADOW_PASS if all(c.ok for c in comparisons) else lc.SHADOW_FAIL
    return Judgement(outcome, requests, comparisons)


def _comparisons(
    production: VariantNumbers, shadow: VariantNumbers, agreed: Agreement, gate: ShadowGate
) -> tuple[Comparison, ...]:
    error_limit = production.error_rate + gate.error_rate_tolerance
    errors = Comparison(
        "error rate",
        shadow.error_rate,
        production.error_rate,
        error_limit,
        shadow.error_rate <= error_limit,
        f"errors {shadow.error_rate:.1%} vs {production.error_rate:.1%} (max {error_limit:.1%})",
    )
    return (
        errors,
        _latency("p50", shadow.p50_ms, production.p50_ms, gate.latency_tolerance),
        _latency("p99", shadow.p99_ms, production.p99_ms, gate.latency_tolerance),
        _agreement(agreed, gate.agreement_tolerance),
    )


def _latency(name: str, shadow: float | None, production: float | None, tolerance: float) -> Comparison:
    if shadow is None or production is None:
        # No datapoint means CloudWatch holds no ModelLatency for a variant: no evidence the shadow is fast.
        return Comparison(name, shadow, production, None, False, f"{name} no ModelLatency datapoints")
    limit = production * (1 + tolerance)
    return Comparison(
        name,
        shadow,
        production,
        limit,
        shadow <= limit,
        f"{name} {shadow:.1f} vs {production:.1f} ms (max {limit:.1f})",
    )


def _agreement(agreed: Agreement, tolerance: float) -> Comparison:
    if agreed.pairs == 0:
        return Comparison("agreement", None, None, tolerance, False, "agreement: no paired captures")
    ratio = agreed.ratio
    return Comparison(
        "agreement",
        ratio,
        0.0,
        tolerance,
        ratio <= tolerance,
        f"disagreement {ratio:.2f} sd (max {tolerance:.2f}; {agreed.pairs} predictions)",
    )


def verdict_value(experiment: str, judgement: Judgement) -> str:
    """The evidence value: ``<experiment> <outcome>: <numbers>``, within SageMaker's 256 characters."""
    return f"{experiment} {judgement.outcome}: {judgement.summary()}"[:_MAX_VERDICT]


@dataclass(frozen=True)
class RecordedVerdict:
    experiment: str
    outcome: str
    numbers: str


def parse_verdict(value: str | None) -> RecordedVerdict | None:
    """The verdict a value records, or None when it is not one the evaluator writes."""
    if not value:
        return None
    head, _, numbers = value.partition(": ")
    experiment, _, outcome = head.partition(" ")
    if not experiment or outcome not in lc.SHADOW_OUTCOMES:
        return None
    return RecordedVerdict(experiment, outcome, numbers)
