"""Faults on purpose: switches that make the embedded AWS fail the way AWS sometimes does.

Tests walk the failure paths with them: the next endpoint create/update ends badly (the ``endpoints`` patch
takes the switch), or the next N calls of any operation of any service are throttled, or every call until
the test lifts it (the ``faults`` patch answers ``ThrottlingException``, as AWS answers a caller over its
rate). Throttling "until lifted" exists because a caller's own retries multiply: an SDK client configured
with ``max_attempts: 5`` in standard mode makes 6 attempts per call (botocore counts ``max_attempts`` as
retries and adds the first attempt), and Lambda retries the invocation twice more, so a count armed by hand
is easy to get wrong and a throttle that runs out early lets the call succeed.

Process-wide because moto's backends are: one embedded AWS runs per process.
"""

from __future__ import annotations

from moto.core.exceptions import ServiceException

from modelops.local.lock import LOCK

DEFAULT_FAILURE_REASON = (
    "The primary container for production variant AllTraffic did not pass the ping health check."
)


class ThrottlingException(ServiceException):
    """The error AWS answers a caller over its request rate."""

    code = "ThrottlingException"


class Faults:
    """Switches that make the embedded AWS fail the way AWS sometimes does."""

    def __init__(self) -> None:
        self._endpoint_failures: list[tuple[str | None, str]] = []
        self._throttles: dict[str, int] = {}
        self._throttled_until_lifted: set[str] = set()

    def fail_next_endpoint_change(
        self, reason: str = DEFAULT_FAILURE_REASON, endpoint_name: str | None = None
    ) -> None:
        """The next CreateEndpoint (ends ``Failed``) or UpdateEndpoint (ends ``InService`` on the
        previous config with ``FailureReason`` set) fails. ``endpoint_name`` restricts the
        fault to one endpoint."""
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

    def throttle_until_lifted(self, operation: str) -> None:
        """Every call of ``operation`` raises ``ThrottlingException`` until ``lift_throttle(operation)``
        (or ``clear()``), however many times the callers retry."""
        with LOCK:
            self._throttled_until_lifted.add(operation)

    def lift_throttle(self, operation: str) -> None:
        """``operation`` answers again: the throttle armed for it, counted or not, is gone."""
        with LOCK:
            self._throttled_until_lifted.discard(operation)
            self._throttles.pop(operation, None)

    def take_throttle(self, operation: str) -> bool:
        """True if this call of ``operation`` is to be throttled (consuming one, when counted)."""
        if not self._throttles and not self._throttled_until_lifted:  # the common case: no lock
            return False
        with LOCK:
            if operation in self._throttled_until_lifted:
                return True
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
            self._throttled_until_lifted.clear()


FAULTS = Faults()
