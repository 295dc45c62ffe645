"""Check a staging endpoint: sample requests, well-formed predictions, latency, champion/challenger.

Latency is the model's: the percentile of SageMaker's ModelLatency over at least ``model_latency.MIN_SAMPLES``
invocations (the samples, cycled), read from CloudWatch (``model_latency``), never the wall clock around the
calls, which counts the network, the service and a busy machine too.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, EndpointConnectionError

from modelops.deploy import model_latency
from modelops.deploy.deadline import DEFAULT_SECONDS, Deadline
from modelops.deploy.errors import DeployError

MAX_SAMPLES = 20  # enough to see a broken model or a slow one; bounded so a handler stays short
_CONTENT_TYPE = "application/json"
_TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "InternalFailure",
        "ServiceUnavailable",
        "InternalDependencyException",
        "ModelNotReadyException",
    }
)
# Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff And Jitter").
_BACKOFF_BASE_SECONDS = 0.05
_BACKOFF_CAP_SECONDS = 2.0


class SamplesUnavailableError(DeployError):
    """The version names no sample payloads, or they cannot be read."""


class VerificationIncompleteError(DeployError):
    """Transient errors (throttling, 5xx) outlasted the time bound: retry the event, judge nothing."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying one version on staging, with the numbers that decided it."""

    passed: bool
    problems: tuple[str, ...]
    samples: int
    answered: int
    model_latency_ms: float  # the ModelLatency percentile below, over latency_samples invocations
    latency_budget_ms: int
    candidate_metric: float | None
    champion_metric: float | None
    champion_version: int | None
    tolerance: float
    latency_percentile: str = model_latency.PERCENTILE
    latency_samples: int = 0
    # False when a person registered the version: its metric is their claim, shown but never compared.
    metric_judged: bool = True
    claimed_metric: float | None = None

    def summary(self) -> str:
        head = "passed" if self.passed else "failed: " + "; ".join(self.problems)
        # With no answer there is no latency to report; "0 ms" would read as a fast endpoint.
        latency = (
            f"{self.model_latency_ms:.0f} ms over {self.latency_samples} invocations"
            if self.latency_samples
            else "none (no sample answered)"
        )
        numbers = (
            f"{self.samples} samples, ModelLatency {self.latency_percentile} {latency} "
            f"(budget {self.latency_budget_ms} ms)"
        )
        if not self.metric_judged:
            numbers += (
                f"; rmse {_fmt(self.claimed_metric)} as registered by a person, not compared (the gate "
                "compares only a metric a pipeline execution measured)"
            )
        elif self.champion_version is not None:
            numbers += (
                f"; rmse {_fmt(self.candidate_metric)} vs production v{self.champion_version} "
                f"{_fmt(self.champion_metric)} (tolerance {self.tolerance:.0%})"
            )
        else:
            numbers += f"; rmse {_fmt(self.candidate_metric)}, no production version to compare"
        return f"{head} ({numbers})"

    def as_dict(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "problems": list(self.problems),
            "samples": self.samples,
            "answered": self.answered,
            "model_latency_ms": round(self.model_latency_ms, 1),
            "latency_percentile": self.latency_percentile,
            "latency_samples": self.latency_samples,
            "latency_budget_ms": self.latency_budget_ms,
            "candidate_rmse": self.candidate_metric,
            "champion_rmse": self.champion_metric,
            "champion_version": self.champion_version,
            "tolerance": self.tolerance,
            "metric_judged": self.metric_judged,
        }


def load_payloads(s3: Any, uri: str) -> list[bytes]:
    """Request bodies from one S3 object (JSON, or JSON Lines) or from every object under a prefix."""
    if not uri.startswith("s3://"):
        raise SamplesUnavailableError(f"sample payload URI {uri!r} is not an s3:// URI")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if key and not key.endswith("/"):
        keys = [key]
    else:
        listing = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=MAX_SAMPLES)
        keys = sorted(obj["Key"] for obj in listing.get("Contents", []) if not obj["Key"].endswith("/"))
    bodies: list[bytes] = []
    for object_key in keys:
        raw = s3.get_object(Bucket=bucket, Key=object_key)["Body"].read()
        bodies.extend(_split_bodies(raw))
    if not bodies:
        raise SamplesUnavailableError(f"no sample payloads under {uri}")
    return bodies[:MAX_SAMPLES]


def _split_bodies(raw: bytes) -> list[bytes]:
    """One object, three layouts: a JSON list of request bodies, one JSON body, or JSON Lines."""
    try:
        document = json.loads(raw)
    except ValueError:
        return [line for line in raw.splitlines() if line.strip()]
    if isinstance(document, list) and document and all(isinstance(item, dict) for item in document):
        return [json.dumps(item).encode() for item in document]
    return [raw]


def verify(
    runtime: Any,
    endpoint_name: str,
    payloads: list[bytes],
    *,
    latency_budget_ms: int,
    candidate_metric: float | None,
    champion_metric: float | None,
    champion_version: int | None,
    tolerance: float,
    cloudwatch: Any,
    deadline: Deadline | None = None,
    metric_judged: bool = True,
) -> Verdict:
    """Invoke every sample within ``deadline``; transient errors are retried, never counted as findings.

    Then, while the answers are good, invoke the samples again until ``model_latency.MIN_SAMPLES`` were
    answered, and judge the ModelLatency percentile CloudWatch (``cloudwatch``) holds for them. Raises
    ``VerificationIncompleteError`` when the time runs out before every sample was answered or refused by
    the model itself, or before the metric was published: a busy service is not evidence against the version.
    """
    deadline = deadline or Deadline.after(DEFAULT_SECONDS)
    problems: list[str] = []
    answered = 0
    variants: set[str] = set()
    if payloads:
        # One untimed request first: a fresh endpoint (serverless above all) loads the model on its first
        # invocation, and the budget is about serving latency, not that one-off start. Its failure, if
        # any, is recorded by the timed loop that follows.
        with contextlib.suppress(ClientError, BotoCoreError):
            _invoke_patiently(runtime, endpoint_name, payloads[0], deadline)
    # The same defect usually breaks every sample alike: group samples by problem so the description
    # (capped at 1024 characters by SageMaker) says it once and keeps room for the numbers.
    failed_samples: dict[str, list[int]] = {}
    started = model_latency.now()
    for index, body in enumerate(payloads):
        try:
            answer, variant = _invoke_patiently(runtime, endpoint_name, body, deadline)
        except (ClientError, BotoCoreError) as error:  # the model's own failure is a verification finding
            failed_samples.setdefault(f"invocation failed: {_error_text(error)}", []).append(index)
            continue
        answered += 1
        variants.add(variant)
        problem = prediction_problem(answer)
        if problem:
            failed_samples.setdefault(problem, []).append(index)
    for problem, indexes in failed_samples.items():
        which = ", ".join(map(str, indexes))
        problems.append(f"{len(indexes)} of {len(payloads)} samples ({which}): {problem}")
    latency: model_latency.ModelLatency | None = None
    if answered and not failed_samples and len(variants) == 1:
        # Only a version whose answers are good is timed: a broken one has failed already.
        invocations = _invoke_until(runtime, endpoint_name, payloads, answered, deadline)
        window = model_latency.Window(
            endpoint_name, variants.pop(), started, model_latency.now(), invocations
        )
        try:
            latency = model_latency.measured(cloudwatch, window, deadline)
        except model_latency.LatencyUnavailableError as error:
            raise VerificationIncompleteError(str(error)) from error
        if latency.milliseconds > latency_budget_ms:
            problems.append(
                f"ModelLatency {latency.percentile} {latency.milliseconds:.0f} ms over {latency.samples} "
                f"invocations exceeds the {latency_budget_ms} ms budget"
            )
    if metric_judged:
        problems.extend(champion_problems(candidate_metric, champion_metric, champion_version, tolerance))
    return Verdict(
        passed=not problems,
        problems=tuple(problems[:5]),
        samples=len(payloads),
        answered=answered,
        model_latency_ms=latency.milliseconds if latency else 0.0,
        latency_samples=latency.samples if latency else 0,
        latency_budget_ms=latency_budget_ms,
        candidate_metric=candidate_metric,
        champion_metric=champion_metric,
        champion_version=champion_version,
        tolerance=tolerance,
        metric_judged=metric_judged,
    )


def is_transient(error: Exception) -> bool:
    """Throttling, the service's own 5xx, a model still loading, a dropped connection: worth retrying.

    InvokeEndpoint's errors (API reference): ModelError (424) is the container's answer, a finding;
    ValidationError is ours; InternalFailure, ServiceUnavailable, InternalDependencyException and
    ModelNotReadyException ("wait and try your request again") are the service's, as is any throttle.
    """
    if isinstance(error, (EndpointConnectionError, ConnectionClosedError)):
        return True
    if not isinstance(error, ClientError):
        return False
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in _TRANSIENT_CODES:
        return True
    return code != "ModelError" and (status == 429 or status >= 500)


def _invoke_until(
    runtime: Any, endpoint_name: str, payloads: list[bytes], answered: int, deadline: Deadline
) -> int:
    """Invoke the samples in turn until ``MIN_SAMPLES`` were answered in all; returns how many were."""
    index = 0
    while answered < model_latency.MIN_SAMPLES:
        _invoke_patiently(runtime, endpoint_name, payloads[index % len(payloads)], deadline)
        answered += 1
        index += 1
    return answered


def _invoke_patiently(runtime: Any, endpoint_name: str, body: bytes, deadline: Deadline) -> tuple[bytes, str]:
    """The answer and the variant that gave it; transient errors retried with jittered backoff."""
    retries = 0
    while True:
        if not deadline.allows():
            raise VerificationIncompleteError(
                f"verification of {endpoint_name} ran out of time ({retries} transient errors retried)"
            )
        try:
            return _invoke(runtime, endpoint_name, body)
        except (ClientError, BotoCoreError) as error:
            if not is_transient(error):
                raise
            pause = random.uniform(0, min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2**retries))
            retries += 1
            if not deadline.allows(pause):
                raise VerificationIncompleteError(
                    f"verification of {endpoint_name} ran out of time: {_error_text(error)} "
                    f"({retries} transient errors)"
                ) from error
            time.sleep(pause)


def _error_text(error: Exception) -> str:
    """A client error's code and message, without botocore's "An error occurred (...) when calling" frame."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        details = response["Error"]
        return f"{details.get('Code', type(error).__name__)}: {details.get('Message', '')}"
    return f"{type(error).__name__}: {error}"


def _invoke(runtime: Any, endpoint_name: str, body: bytes) -> tuple[bytes, str]:
    response = runtime.invoke_endpoint(
        EndpointName=endpoint_name, Body=body, ContentType=_CONTENT_TYPE, Accept=_CONTENT_TYPE
    )
    return bytes(response["Body"].read()), str(response.get("InvokedProductionVariant", ""))


def prediction_problem(answer: bytes) -> str | None:
    """None when ``answer`` is JSON holding at least one prediction, every one a finite number."""
    try:
        document = json.loads(answer)
    except ValueError:
        return f"response is not JSON: {answer[:80]!r}"
    if isinstance(document, dict):
        document = document.get("predictions", document.get("prediction"))
    values = list(_leaves(document))
    if not values:
        return "response holds no predictions"
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        return f"response holds a prediction that is not a finite number: {answer[:80]!r}"
    return None


def champion_problems(
    candidate: float | None, champion: float | None, champion_version: int | None, tolerance: float
) -> list[str]:
    """The candidate's primary metric (lower is better) may exceed production's by at most ``tolerance``."""
    if candidate is None:
        return ["the version has no registered metric.rmse to compare"]
    if champion is None or champion_version is None:
        return []
    limit = champion * (1.0 + tolerance)
    if candidate > limit:
        return [
            f"rmse {candidate:.4g} is worse than production v{champion_version}'s {champion:.4g} by more "
            f"than {tolerance:.0%} (limit {limit:.4g})"
        ]
    return []


def _leaves(document: object) -> list[object]:
    if isinstance(document, list):
        return [leaf for item in document for leaf in _leaves(item)]
    return [] if document is None else [document]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"
