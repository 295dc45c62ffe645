"""A process that has imported the step scripts' libraries once and forks one child per step script.

Run by ``modelops.local.step_processes`` as ``python step_zygote.py`` (by path, so nothing of modelops is
imported here). It reads one JSON request per line on its stdin: the script, its arguments, its complete
environment, its working directory and the files its stdout and stderr go to. It answers on its stdout with
``{"pid": N}`` when the child is forked and ``{"exit": code}`` when it ended. Standard library only: this file
is read by a Python that has nothing else loaded yet.

Each child is what ``python script.py args`` would have been, except that the preloaded modules are already
in ``sys.modules``: its own environment, working directory, ``sys.argv`` and ``sys.path[0]`` (the script's
folder), stdin from /dev/null, and its exit code as the process's. Libraries that read the environment when
imported (``OMP_NUM_THREADS`` and the like) read the zygote's, which is the runner's.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import sys
import traceback
from typing import Any

# What the SageMaker scikit-learn container's scripts import: scikit-learn alone pulls in SciPy and pandas, 5-6 s
# on a 2-core machine, several times what a step on the bundled data spends working.
PRELOAD = ("numpy", "joblib", "sklearn.ensemble", "sklearn.metrics")


def main() -> int:
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(2, 1)  # a preloaded library that prints must not write into the answers
    for name in PRELOAD:
        with contextlib.suppress(ImportError):  # a step that needs it fails in its own process, saying so
            importlib.import_module(name)
    _answer(answers, {"ready": True})
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)  # never returns
        _answer(answers, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _answer(answers, {"exit": os.waitstatus_to_exitcode(status)})
    return 0


def _answer(answers: Any, message: dict[str, Any]) -> None:
    answers.write(json.dumps(message) + "\n")
    answers.flush()


def _child(request: dict[str, Any]) -> None:
    code = 1
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
        script = request["script"]
        sys.argv = [script, *request["args"]]
        sys.path[0] = os.path.dirname(script)
        code = _run(script)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _run(script: str) -> int:
    """The script as ``__main__``, ending as the interpreter ends a script (SystemExit's code, 1 on a traceback)."""
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
