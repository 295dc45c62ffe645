"""A folder built once per test session and shared by every pytest-xdist worker.

Each worker is its own process with its own session fixtures; a cloud assembly synthesized the same way by
both would cost the CDK's 10-odd seconds twice. The first worker to ask builds it under the session's shared
temporary folder (xdist's workers' base folders have one parent per run, a new one each run) while the others
wait on a lock, then every worker reads the same files. Without xdist it is the session's own folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest


def built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> Path:
    """``name``'s folder, made by ``build(folder)`` by whichever worker asks first."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    target = shared / f"built-once-{name}"
    with (shared / f"built-once-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not target.is_dir():
            partial = shared / f"built-once-{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir()
            build(partial)
            partial.rename(target)  # complete or absent: a worker that failed halfway leaves no folder
    return target
