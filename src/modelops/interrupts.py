"""Ctrl-C (and a supervisor's SIGTERM) as an exception whose exit status stays the program's choice.

A foreground command that cleans up and exits 130 on Ctrl-C must not raise a plain ``KeyboardInterrupt`` from
its handler. CPython (3.11 to 3.13, ``Python/pythonrun.c``) remembers any ``KeyboardInterrupt`` that leaves an
``exec()`` of a string (``from numpy import *`` runs that way while numpy imports, as do namedtuple and
dataclass bodies) and, at interpreter exit, kills the process with SIGINT, even though the program caught the
exception long before and chose its own status. The check is for that exact type, so raising a subclass keeps
every ``except KeyboardInterrupt`` in the libraries working while the exit status stays ours.
"""

from __future__ import annotations

import contextlib
import dataclasses
import signal
from collections.abc import Iterator


class Interrupted(KeyboardInterrupt):
    """Raised by :func:`interrupts_raised`'s handler; see the module docstring for why not the base class."""


@dataclasses.dataclass
class Received:
    """The first signal that arrived, once one has."""

    signal: signal.Signals | None = None

    def __bool__(self) -> bool:
        return self.signal is not None


@contextlib.contextmanager
def interrupts_raised(*signums: signal.Signals) -> Iterator[Received]:
    """Within the block, each of ``signums`` raises :class:`Interrupted` in the main thread and is recorded
    in the yielded :class:`Received` (so a caller can tell an interrupt from an error it caused elsewhere,
    e.g. in a child process that got the same Ctrl-C). The previous handlers come back on exit."""
    received = Received()

    def handler(signum: int, frame: object) -> None:
        arrived = signal.Signals(signum)
        received.signal = received.signal or arrived
        raise Interrupted(arrived.name)

    previous = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield received
    finally:
        for signum, restored in previous.items():
            signal.signal(signum, restored)
