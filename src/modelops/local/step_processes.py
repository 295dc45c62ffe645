"""Each step script in a fresh process of its own, forked from one that imported the scripts' libraries once.

A SageMaker job imports its libraries once per container; the local runner starts three scripts per execution,
and importing scikit-learn (with the SciPy and pandas it pulls in) was most of each one's time: 6 s of a 6.4 s
train step on a 2-core machine. ``step_zygote.py`` imports them once and forks a child per script; the child
is the script's own process (its environment, working directory, arguments, output, exit code), so a step
that crashes, hangs or calls ``sys.exit`` ends only itself.

Fresh interpreters instead (``python script.py`` per step, as before): ``MODELOPS_STEP_PROCESSES=fresh``;
they are also what a platform without ``fork`` gets, and what a step gets while another thread's step holds
the zygote (one step at a time per zygote keeps its protocol a simple request and answer).
"""

from __future__ import annotations

import atexit
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ZYGOTE = Path(__file__).with_name("step_zygote.py")
FRESH = "fresh"


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


class StepTimeout(Exception):
    """The script was still running when its time was up (it has been killed)."""


class _Zygote:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ZYGOTE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        if self._read(None) != {"ready": True}:
            raise OSError("the step zygote did not start")

    def run(self, script: Path, args: Sequence[str], env: Mapping[str, str], timeout: float) -> Finished:
        with tempfile.TemporaryDirectory(prefix="modelops-step-") as folder:
            out, err = Path(folder) / "stdout", Path(folder) / "stderr"
            request = {
                "script": str(script),
                "args": list(args),
                "env": dict(env),
                "cwd": os.getcwd(),
                "stdout": str(out),
                "stderr": str(err),
            }
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            pid = int(self._read(None)["pid"])
            try:
                answer = self._read(timeout)
            except StepTimeout:
                os.kill(pid, signal.SIGKILL)
                self._read(None)  # the zygote reaps it and says so
                raise
            return Finished(int(answer["exit"]), _text(out), _text(err))

    def _read(self, timeout: float | None) -> dict[str, Any]:
        stream: IO[str] | None = self.process.stdout
        assert stream is not None
        ready, _, _ = select.select([stream], [], [], timeout)
        if not ready:
            raise StepTimeout
        line = stream.readline()
        if not line:
            raise OSError(f"the step zygote ended (exit {self.process.wait()})")
        return dict(json.loads(line))

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()  # its loop ends at end of input
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


_lock = threading.Lock()
_zygote: _Zygote | None = None


def run_script(script: Path, args: Sequence[str], env: Mapping[str, str], timeout: float) -> Finished:
    """Run ``python script args`` with exactly ``env``; raises StepTimeout after ``timeout`` seconds."""
    if os.environ.get("MODELOPS_STEP_PROCESSES") != FRESH and hasattr(os, "fork") and _lock.acquire(False):
        try:
            return _zygote_for_this_process().run(script, args, env, timeout)
        except OSError:
            _forget_zygote()  # it died: this step and the next start afresh
        finally:
            _lock.release()
    return _fresh(script, args, env, timeout)


def _fresh(script: Path, args: Sequence[str], env: Mapping[str, str], timeout: float) -> Finished:
    try:
        result = subprocess.run(
            [sys.executable, str(script), *args],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StepTimeout from None
    return Finished(result.returncode, result.stdout, result.stderr)


def _zygote_for_this_process() -> _Zygote:
    global _zygote
    if _zygote is None or _zygote.process.poll() is not None:
        _zygote = _Zygote()
    return _zygote


def _forget_zygote() -> None:
    global _zygote
    if _zygote is not None:
        _zygote.process.kill()
        _zygote = None


@atexit.register
def _stop_zygote() -> None:
    if _zygote is not None:
        _zygote.stop()


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
