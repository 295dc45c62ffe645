"""``python -m modelops.local.mlflow_serve ARGS``: the pinned ``mlflow server ARGS``, its one uvicorn worker
in this process rather than in a second Python.

MLflow's ``server`` command checks its options, sets the security middleware's environment and creates or
migrates the stores, then starts ``python -m uvicorn ... mlflow.server.fastapi_app:app`` as a child process
and waits for it (``mlflow.server._run_server``, which hands that command line to
``mlflow.utils.process._exec_cmd``). The child imports MLflow's server all over again: about half of the
server's start here (two imports of 8 to 9 s each, measured with ``python -X importtime``). uvicorn runs a
single worker in the process that calls it, so with ``--workers 1`` this process runs that very command
line itself, after everything the ``server`` command does, with the environment it built for its child.
Every option, check and message is MLflow's; only the process boundary is gone, so the server is one
process (its pid the one ``MlflowTrackingServer`` started) and stops on SIGTERM as uvicorn does.

Any other worker count is refused here: MLflow's own ``mlflow server`` runs those (the caller's choice).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

_UVICORN = ("-m", "uvicorn")


class _EndedServer:
    """What ``_run_server`` does with the process it started (poll, send_signal, wait), for a server that has
    already run and ended in this process."""

    def __init__(self, returncode: int) -> None:
        self.returncode = returncode
        self.pid = os.getpid()

    def poll(self) -> int:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode

    def send_signal(self, signum: int) -> None:  # nothing left to forward a signal to
        return None


def uvicorn_in_this_process(
    command: Sequence[str], *, extra_env: Mapping[str, str] | None = None, **_: Any
) -> _EndedServer:
    """Run the uvicorn command line ``_run_server`` built, in this process, until the server stops."""
    args = list(command)
    if tuple(args[1:3]) != _UVICORN:
        raise RuntimeError(
            f"mlflow_serve: MLflow asked to run {args[:3]!r}, not uvicorn; use `mlflow server`"
        )
    if args[args.index("--workers") + 1] != "1":
        raise RuntimeError("mlflow_serve: one worker only; use `mlflow server` for more")
    os.environ.update(extra_env or {})  # what the child would have been given
    from uvicorn.main import main as uvicorn_main

    try:
        uvicorn_main.main(args=args[3:], prog_name="uvicorn")
    except SystemExit as ended:
        return _EndedServer(ended.code if isinstance(ended.code, int) else 1)
    return _EndedServer(0)


def main(argv: Sequence[str]) -> None:
    import mlflow.server
    from mlflow.cli import cli

    mlflow.server._exec_cmd = uvicorn_in_this_process  # type: ignore[assignment]
    cli.main(args=["server", *argv], prog_name="mlflow")


if __name__ == "__main__":
    main(sys.argv[1:])
