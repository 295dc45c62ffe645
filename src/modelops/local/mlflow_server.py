"""A real MLflow tracking server beside the embedded AWS (``modelops local up``).

The pinned ``mlflow server`` in a child process (with one worker, through ``modelops.local.mlflow_serve``),
on 127.0.0.1:5000 (MLflow's default, the address the issue's example hard-codes): runs in SQLite in a temporary folder, artifacts in the embedded S3 artifact
bucket (``s3://<bucket>/mlflow``; ``--no-serve-artifacts``, so clients write them with their own
credentials). Its state lives and dies with the embedded AWS's: the folder is made at start and removed at
stop, so MLflow never remembers a run whose model versions the emulator has forgotten.

Its registry pages are backed by modelops' store (``modelops.mlflow_registry``) in read-only mode: the
server shows the SageMaker versions and their aliases, and refuses any registry write, so a client that
registers through the server instead of its own ``modelops://`` registry URI is told so rather than
writing with the server's identity. And that identity could not write anyway: the process runs with a
session of the registry stack's MLflow registry reader role (``reader_environment``;
``infra/constructs/mlflow_registry_reader.py``), whose policy allows the store's reads and the artifact
reads of the UI, and the embedded AWS's IAM refuses everything else, as AWS would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

DEFAULT_PORT: Final = 5000
START_TIMEOUT_S: Final = 120.0
ARTIFACT_PREFIX: Final = "mlflow"
READER_ROLE_OUTPUT: Final = "MlflowRegistryReaderRoleArn"  # the registry stack's output
READER_SESSION: Final = "mlflow-tracking-server"  # what CloudTrail and refusals name the server's calls by


def port_taken(port: int) -> str | None:
    """Why a server cannot listen on 127.0.0.1:``port`` (the system's reason), or None if it can.

    Probed as the server binds (uvicorn sets SO_REUSEADDR on its listening socket), so only a socket that
    is listening there counts: the TIME_WAIT connections a server that just stopped leaves for a minute
    (``make demo`` run twice in a row) would refuse a plain bind, but not the server's.
    """
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            return error.strerror or str(error)
    return None


class MlflowServerError(RuntimeError):
    """The tracking server could not start (port taken, mlflow missing, not healthy in time)."""


def reader_environment(aws: Any) -> dict[str, str]:
    """The AWS keys the server process runs with: a session of the registry reader role of ``aws``'s
    synthesized registry stack. Where IAM is not enforced every key is the same to the embedded AWS, so
    there is no identity to choose and none is returned (the caller's keys stay)."""
    if aws.iam is None:
        return {}
    return dict(aws.iam.callers.issue(aws.output(READER_ROLE_OUTPUT), READER_SESSION).environment())


class MlflowTrackingServer:
    """``start()`` then ``stop()``; ``tracking_uri`` is what clients export as MLFLOW_TRACKING_URI."""

    def __init__(
        self,
        *,
        artifact_bucket: str,
        registry_uri: str,
        environment: Mapping[str, str],
        port: int = DEFAULT_PORT,
        workers: int = 1,
    ) -> None:
        self.artifact_bucket, self.registry_uri, self.port = artifact_bucket, registry_uri, port
        self.environment = dict(environment)
        self.workers = workers
        self._state: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def tracking_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, meanwhile: Callable[[], object] | None = None) -> None:
        """Start the server and return once it answers its health check. ``meanwhile`` runs in this process
        after the server's process starts and before its health is awaited: work the caller has to do anyway
        (the server spends its first seconds importing MLflow, on another core), done in that wait."""
        self._check_port()
        self._state = Path(tempfile.mkdtemp(prefix="modelops-mlflow-"))
        read_only = f"{self.registry_uri}{'&' if '?' in self.registry_uri else '?'}read_only=true"
        # One worker: MLflow's server command with its uvicorn in the same process (modelops.local.mlflow_serve,
        # 6 s of a 17 s start saved here); more: MLflow's own, which starts them as children.
        launcher = ["modelops.local.mlflow_serve"] if self.workers == 1 else ["mlflow", "server"]
        command = [
            sys.executable, "-m", *launcher,
            "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
            "--backend-store-uri", f"sqlite:///{self._state / 'mlflow.db'}",
            "--default-artifact-root", f"s3://{self.artifact_bucket}/{ARTIFACT_PREFIX}",
            "--no-serve-artifacts",
            "--registry-store-uri", read_only,
        ]  # fmt: skip
        log = (self._state / "server.log").open("wb")
        self._process = subprocess.Popen(
            command,
            env={
                **os.environ,
                **self.environment,
                "MLFLOW_REGISTRY_URI": read_only,
                # MLflow 3's job runner starts seven huey consumers for GenAI jobs this workflow never runs.
                "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false",
            },
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches `local up`, which stops the server and its workers in order.
            start_new_session=True,
        )
        try:
            if meanwhile is not None:
                meanwhile()
            self._wait_healthy()
        except BaseException:  # an interrupt or a failure while it starts must not leave it running
            self.stop()
            raise

    def _check_port(self) -> None:
        # Checked before starting: the health check would otherwise find whatever already answers there.
        taken = port_taken(self.port)
        if taken:
            raise MlflowServerError(
                f"cannot start MLflow on 127.0.0.1:{self.port}: {taken} (another MLflow server? "
                "pass --mlflow-port, or --no-mlflow)"
            )

    def _wait_healthy(self) -> None:
        assert self._process is not None and self._state is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = (self._state / "server.log").read_text(errors="replace").strip().splitlines()[-1:]
                self.stop()
                raise MlflowServerError(
                    f"mlflow server exited ({self._process.returncode}) on 127.0.0.1:{self.port}: "
                    f"{tail[0] if tail else 'no output'}"
                )
            try:
                with urllib.request.urlopen(f"{self.tracking_uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise MlflowServerError(
            f"mlflow server not healthy on {self.tracking_uri} after {START_TIMEOUT_S:.0f} s"
        )

    def stop(self) -> None:
        if self._process is not None:
            # The group this object started (the server and the workers it forks), by its id: a worker
            # orphaned by stopping only the parent would keep the port and the state folder.
            self._signal_group(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._process.wait(timeout=5)
        if self._state is not None:
            shutil.rmtree(self._state, ignore_errors=True)
            self._state = None

    def _signal_group(self, signum: int) -> None:
        assert self._process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)
