"""One time bound per invocation, from the Lambda context: work stops while there is time left to record.

Lambda ends an invocation at its Timeout without running anything more, so a handler that is still
invoking samples then records nothing and notifies nobody. The deadline is the context's
``get_remaining_time_in_millis()`` minus a reserve for recording the outcome (and one call's read timeout);
verification checks it before every request and every backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

# Without a Lambda context (a direct call, a test): as much time as the verifier's 120 s function has.
DEFAULT_SECONDS = 120.0
# Kept back for recording and notifying, and for the request in flight: a quarter of the time, at most 25 s
# (the sagemaker-runtime client's read timeout plus a few updates; see ``clients``).
_RESERVE_FRACTION = 0.25
_MAX_RESERVE_SECONDS = 25.0


@dataclass(frozen=True)
class Deadline:
    """Seconds left for work, counted down by ``remaining_ms`` (the Lambda context's clock)."""

    remaining_ms: Callable[[], int]
    reserve_seconds: float

    @classmethod
    def of(cls, context: object) -> Deadline:
        """The deadline of a Lambda invocation; a fixed one when ``context`` has no clock."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        if not callable(remaining):
            return cls.after(DEFAULT_SECONDS)
        total = remaining() / 1000.0
        return cls(remaining, min(_MAX_RESERVE_SECONDS, total * _RESERVE_FRACTION))

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        end = time.monotonic() + seconds
        return cls(
            lambda: max(0, int((end - time.monotonic()) * 1000)),
            min(_MAX_RESERVE_SECONDS, seconds * _RESERVE_FRACTION),
        )

    def left(self) -> float:
        """Seconds of work left before the reserve (negative once past it)."""
        return self.remaining_ms() / 1000.0 - self.reserve_seconds

    def allows(self, seconds: float = 0.0) -> bool:
        """True if ``seconds`` more work ends before the reserve."""
        return self.left() > seconds
