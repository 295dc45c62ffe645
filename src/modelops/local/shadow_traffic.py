"""What happens after the production variant answered: the shadow's copy, data capture, the metrics.

The developer guide ("Shadow tests"): SageMaker "routes a copy of the inference requests to [the shadow
variant] in real time within the same endpoint. Only the responses of the production variant are returned to
the calling application." ("Create a shadow test": the shadow variant receives "a percentage of the incoming
requests, replicated from the production variant, but does not return any responses"; the traffic sampling
percentage is the experiment's ``SamplingPercentage``.) So the caller's answer never waits for the shadow:
its copy, and the writing of captured data to S3 (which the guide says "can require a couple of minutes"),
go to one background worker, in order. The production variant's metrics are published before the caller is
answered, as ModelLatency already was.

A request is sampled for the shadow, and for capture (``InitialSamplingPercentage``), at random with the
configured percentage, as a percentage of traffic (the guide does not say how SageMaker picks the requests).
``wait_idle`` lets a test, a bench or ``settle`` wait until the worker has done everything submitted.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from modelops.local import capture, invocation_metrics, invoke
from modelops.local.capture import Exchange

_log = logging.getLogger(__name__)
# Records kept before a write even while jobs keep coming (steady traffic never lets the queue run dry).
FLUSH_RECORDS = 500


class Worker:
    """One daemon thread running submitted jobs in order; capture records are written when it runs dry, or
    every ``FLUSH_RECORDS`` records."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._files: dict[tuple[str, str, tuple[str, str]], list[str]] = defaultdict(list)
        self._file_config: dict[tuple[str, str, tuple[str, str]], dict[str, Any]] = {}
        self._buffered = 0

    def submit(self, job: Callable[[], None]) -> None:
        with self._idle:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="shadow-traffic", daemon=True)
                self._thread.start()
        self._jobs.put(job)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """True once every submitted job ran and its captures were written; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def buffer(self, account_id: str, config: dict[str, Any], bucket_key: tuple[str, str], line: str) -> None:
        """Keep a capture record for the next write (only called from jobs, on the worker's thread)."""
        folder = bucket_key[1].rsplit("/", 1)[0]
        group = (account_id, str(config["DestinationS3Uri"]), (bucket_key[0], folder))
        if group not in self._file_config:
            self._file_config[group] = {**config, "_key": bucket_key[1]}
        self._files[group].append(line)
        self._buffered += 1

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except Exception:  # a job must never kill the worker: the next request's copy still goes out
                _log.exception("shadow traffic: a background job failed")
            if self._jobs.empty() or self._buffered >= FLUSH_RECORDS:
                self._flush()
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _flush(self) -> None:
        files, configs = self._files, self._file_config
        self._files, self._file_config, self._buffered = defaultdict(list), {}, 0
        for group, lines in files.items():
            config = configs[group]
            try:
                capture.write(group[0], config, group[2][0], config["_key"], lines)
            except Exception:
                _log.exception("data capture: writing %d records failed", len(lines))


WORKER = Worker()


def sampled(percentage: float) -> bool:
    return percentage >= 100 or random.random() * 100 < percentage


def after_invocation(
    backend: Any,
    endpoint_name: str,
    endpoint: Any,
    variant: dict[str, Any],
    request: Exchange,
    accept: str,
    error_status: int | None,
) -> None:
    """Metrics of the variant that answered; its capture, and the shadow's copy, to the worker.

    ``request`` holds the response (empty when the variant failed with HTTP ``error_status``)."""
    from modelops.local.patches.experiment_lifecycle import shadow_of_config

    invocation_metrics.record(backend, endpoint_name, str(variant["VariantName"]), error_status)
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name)
    if config is None:
        return
    data_capture = _enabled(config.data_capture_config)
    captured = data_capture is not None and sampled(float(data_capture.get("InitialSamplingPercentage", 0)))
    if data_capture is not None and captured and error_status is None:
        WORKER.submit(
            lambda: _capture(backend, endpoint_name, str(variant["VariantName"]), data_capture, request)
        )
    shadow, percentage = shadow_of_config(config)
    if shadow is not None and sampled(percentage):
        capture_shadow = data_capture if captured else None
        WORKER.submit(
            lambda: _serve_shadow(backend, endpoint_name, endpoint, shadow, request, accept, capture_shadow)
        )


def _enabled(config: dict[str, Any] | None) -> dict[str, Any] | None:
    if not config or config.get("EnableCapture") is False:
        return None
    return config


def _capture(
    backend: Any, endpoint_name: str, variant_name: str, config: dict[str, Any], exchange: Exchange
) -> None:
    line = capture.record(exchange, config)
    WORKER.buffer(
        backend.account_id,
        config,
        capture.object_key(config, endpoint_name, variant_name, exchange.time),
        line,
    )


def _serve_shadow(
    backend: Any,
    endpoint_name: str,
    endpoint: Any,
    shadow: dict[str, Any],
    request: Exchange,
    accept: str,
    data_capture: dict[str, Any] | None,
) -> None:
    """The shadow variant answers its copy; nobody sees the answer but its metrics and data capture."""
    name = str(shadow["VariantName"])
    try:
        body, content_type = invoke.run_variant(
            backend, endpoint_name, endpoint, shadow, request.request, request.request_type, accept
        )
    except invoke.ModelError as error:
        invocation_metrics.record(backend, endpoint_name, name, error.OriginalStatusCode)
        return
    invocation_metrics.record(backend, endpoint_name, name, None)
    if data_capture is not None:
        answered = Exchange(
            request.event_id,
            request.inference_id,
            request.time,
            request.request,
            request.request_type,
            body,
            content_type,
        )
        _capture(backend, endpoint_name, name, data_capture, answered)
