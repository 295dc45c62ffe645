"""Ctrl-C handled by a command keeps the exit status the command chose, wherever the signal lands."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from modelops.interrupts import Interrupted, interrupts_raised

# The signal lands while a string is exec'd, as it does when Ctrl-C comes during `import numpy` (which runs
# `exec("from numpy import *")`); the program catches the interrupt and chooses exit status 130.
_PROBE = """
import os, signal, sys
{install}
try:
    exec("import os, signal\\nos.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(1000): pass")
except KeyboardInterrupt:
    pass
{restore}
sys.exit(130)
"""


def _run_probe(tmp_path: Path, install: str, restore: str = "") -> int:
    (tmp_path / "interrupt_probe.py").write_text(
        _PROBE.format(install=textwrap.dedent(install), restore=textwrap.dedent(restore))
    )
    # `-m`, as `python -m modelops.demo` runs: the path where CPython applies its remembered interrupt.
    return subprocess.run([sys.executable, "-m", "interrupt_probe"], cwd=tmp_path, timeout=60).returncode


def test_a_plain_keyboard_interrupt_from_exec_overrides_the_chosen_exit_status(tmp_path: Path) -> None:
    # Why modelops.interrupts exists: if CPython stops doing this, the workaround can go.
    status = _run_probe(
        tmp_path, "def handler(signum, frame): raise KeyboardInterrupt\nsignal.signal(signal.SIGINT, handler)"
    )
    assert status == -signal.SIGINT


def test_interrupts_raised_keeps_the_chosen_exit_status(tmp_path: Path) -> None:
    status = _run_probe(
        tmp_path,
        "from modelops.interrupts import interrupts_raised\n"
        "context = interrupts_raised(signal.SIGINT)\nreceived = context.__enter__()",
        "context.__exit__(None, None, None)\nassert received.signal == signal.SIGINT",
    )
    assert status == 130


def test_interrupts_raised_records_the_first_signal_and_restores_the_handlers() -> None:
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    with interrupts_raised(signal.SIGINT, signal.SIGTERM) as received:
        assert not received
        with pytest.raises(Interrupted, match="SIGTERM"):
            signal.raise_signal(signal.SIGTERM)
        with pytest.raises(KeyboardInterrupt):  # every `except KeyboardInterrupt` still sees it
            signal.raise_signal(signal.SIGINT)
    assert received.signal == signal.SIGTERM
    assert {signum: signal.getsignal(signum) for signum in before} == before
