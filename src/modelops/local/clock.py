"""The embedded AWS's clock: the endpoint transitions that SageMaker takes minutes over, run when they fall due.

SageMaker takes minutes to move an endpoint from ``Creating``/``Updating`` to ``InService``; code that waits for
that (or reacts to the events it emits) must be testable without waiting. The clock holds scheduled
transitions, each due ``delay_seconds`` after it was scheduled (zero by default: due at the next SageMaker API
call, through the ``clock`` patch, or at ``settle``).

Process-wide because moto's backends are: one embedded AWS runs per process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from modelops.local.lock import LOCK


@dataclass(order=True)
class _Scheduled:
    due: float
    seq: int
    action: Callable[[], None] = field(compare=False)


class Clock:
    """Runs scheduled endpoint status transitions when they fall due."""

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
                item.action()  # may schedule the next one
                ran += 1


CLOCK = Clock()
