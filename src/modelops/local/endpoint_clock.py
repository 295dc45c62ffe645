"""Time and faults for the embedded AWS: when endpoint transitions happen, and what goes wrong on purpose.

SageMaker takes minutes to move an endpoint from ``Creating``/``Updating`` to ``InService``; code that waits for
that (or reacts to the events it emits) must be testable without waiting. The clock holds scheduled transitions,
each due ``delay_seconds`` after it was scheduled (zero by default: due at the next API call or ``settle``).

The fault switches let tests walk the failure paths: the next endpoint create/update ends badly, or the next N
calls of an operation are throttled (``ThrottlingException``, as AWS answers a caller over its rate).

Both are process-wide because moto's backends are: one embedded AWS runs per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Guards the clock, the fault switches and the event queue; moto's server answers from several threads.
LOCK = threading.RLock()

DEFAULT_FAILURE_REASON = (
    "The primary container for production variant AllTraffic did not pass the ping health check."
)


@dataclass(order=True)
class _Scheduled:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class EndpointClock:
    """Runs endpoint status transitions when they fall due."""

    def __init__(self, delay_seconds: float = 0.0) -> None:
        self.delay_seconds = delay_seconds
        self._pending: list[_Scheduled] = []
        self._seq = 0
        self._running = threading.RLock()

    def schedule(self, action: Callable[[], None], delay_seconds: float | None = None) -> None:
        """Run ``action`` once ``delay_seconds`` (default: the clock's delay) have passed."""
        with LOCK:
            self._seq += 1
            delay = self.delay_seconds if delay_seconds is None else delay_seconds
            self._pending.append(_Scheduled(time.monotonic() + delay, self._seq, action))
            self._pending.sort()

    def tick(self) -> int:
        """Run every transition that is due now, in the order scheduled; return how many ran."""
        return self._run(lambda item: item.due <= time.monotonic())

    def fast_forward(self) -> int:
        """Run every pending transition now, as if the delay had passed (and those they schedule)."""
        return self._run(lambda item: True)

    def pending(self) -> int:
        with LOCK:
            return len(self._pending)

    def next_due_in(self) -> float | None:
        """Seconds until the next transition is due (0 if overdue), or None when nothing is pending."""
        with LOCK:
            if not self._pending:
                return None
            return max(0.0, self._pending[0].due - time.monotonic())

    def clear(self) -> None:
        with LOCK:
            self._pending.clear()

    def _run(self, ready: Callable[[_Scheduled], bool]) -> int:
        ran = 0
        # One runner at a time keeps transitions in order; LOCK itself is not held while one runs, because a
        # transition may wait on other requests to the server (loading the model reads the emulator's S3).
        with self._running:
            while True:
                with LOCK:
                    if not self._pending or not ready(self._pending[0]):
                        return ran
                    item = self._pending.pop(0)
                item.action()  # may schedule the next one (Updating -> RollingBack -> InService)
                ran += 1


class Faults:
    """Switches that make the embedded AWS fail the way AWS sometimes does."""

    def __init__(self) -> None:
        self._endpoint_failures: list[tuple[str | None, str]] = []
        self._throttles: dict[str, int] = {}

    def fail_next_endpoint_change(
        self, reason: str = DEFAULT_FAILURE_REASON, endpoint_name: str | None = None
    ) -> None:
        """The next CreateEndpoint (ends ``Failed``) or UpdateEndpoint (rolls back: ``RollingBack`` then
        ``InService`` on the previous config, with ``FailureReason`` set, as SageMaker does) fails.
        ``endpoint_name`` restricts the fault to one endpoint."""
        with LOCK:
            self._endpoint_failures.append((endpoint_name, reason))

    def take_endpoint_failure(self, endpoint_name: str) -> str | None:
        """The failure reason armed for this endpoint change, consuming the switch; None if none."""
        with LOCK:
            for index, (name, reason) in enumerate(self._endpoint_failures):
                if name is None or name == endpoint_name:
                    del self._endpoint_failures[index]
                    return reason
            return None

    def throttle(self, operation: str, times: int = 1) -> None:
        """The next ``times`` calls of ``operation`` (API name, e.g. ``UpdateEndpoint``) raise
        ``ThrottlingException``. Note that boto3 retries throttling errors itself (legacy mode: up to 4
        retries), so ``times`` counts raw calls, not client calls."""
        if times < 1:
            raise ValueError(f"times must be at least 1; got {times}")
        with LOCK:
            self._throttles[operation] = self._throttles.get(operation, 0) + times

    def take_throttle(self, operation: str) -> bool:
        """True if this call of ``operation`` is to be throttled (consuming one)."""
        if not self._throttles:  # the common case, checked on every API call: no lock
            return False
        with LOCK:
            left = self._throttles.get(operation, 0)
            if left <= 0:
                return False
            if left == 1:
                del self._throttles[operation]
            else:
                self._throttles[operation] = left - 1
            return True

    def clear(self) -> None:
        with LOCK:
            self._endpoint_failures.clear()
            self._throttles.clear()


CLOCK = EndpointClock()
FAULTS = Faults()
