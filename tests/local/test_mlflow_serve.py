"""``modelops.local.mlflow_serve``: MLflow's ``server`` command with its one uvicorn worker run in the same
process. The server itself is exercised by tests/mlflow/test_tracking_server.py (one process in its group,
its API, its stop); these check what the launcher accepts from MLflow and what it hands to uvicorn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from modelops.local.mlflow_serve import uvicorn_in_this_process


def test_uvicorn_runs_here_with_the_environment_mlflow_built_for_its_child(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("_MODELOPS_TEST_SERVER_SETTING", raising=False)
    command = [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--workers", "1", "--help"]
    ended = uvicorn_in_this_process(command, extra_env={"_MODELOPS_TEST_SERVER_SETTING": "from-mlflow"})
    assert "Usage: uvicorn" in capsys.readouterr().out  # uvicorn's own command line parsed the arguments
    assert (ended.poll(), ended.wait(), ended.pid) == (0, 0, os.getpid())
    assert os.environ["_MODELOPS_TEST_SERVER_SETTING"] == "from-mlflow"


def test_a_bad_uvicorn_option_ends_with_uvicorn_s_usage_error_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = [sys.executable, "-m", "uvicorn", "--workers", "1", "--no-such-option", "app:app"]
    assert uvicorn_in_this_process(command).returncode == 2
    assert "No such option '--no-such-option'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ([sys.executable, "-m", "gunicorn", "--workers", "1", "app"], "not uvicorn"),
        ([sys.executable, "-m", "uvicorn", "--workers", "4", "app"], "one worker only"),
    ],
)
def test_anything_but_one_uvicorn_worker_is_refused_before_it_starts(command: list[str], reason: str) -> None:
    with pytest.raises(RuntimeError, match=reason):
        uvicorn_in_this_process(command)


def test_the_server_command_s_own_checks_still_refuse_before_anything_starts(tmp_path: Path) -> None:
    # MLflow's `server` validates its options itself (mlflow.cli.server): the launcher must not bypass that.
    ended = subprocess.run(
        [sys.executable, "-m", "modelops.local.mlflow_serve", "--dev", "--uvicorn-opts", "--reload",
         "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert ended.returncode == 2
    assert "'--dev' and '--uvicorn-opts' cannot be specified together" in ended.stderr
    assert not (tmp_path / "mlflow.db").exists()  # refused before any store was made
