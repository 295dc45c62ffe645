"""`make demo` end to end: the lifecycle reaches the documented end state, and a rerun repeats it exactly."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.demo import Demo, main
from modelops.interrupts import Interrupted, Received
from modelops.local.embedded import embedded_aws

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@pytest.fixture(scope="module")
def cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    # The default 500 ms verification budget is wall time; a loaded CI machine can stretch an in-process
    # invocation past it and fail a good version. The budget itself is tested in tests/deploy/test_logic.py.
    build_app(context={"verification_latency_budget_ms": "5000"}, outdir=str(outdir)).synth()
    return outdir


def _run_once(cdk_out: Path) -> tuple[dict[str, Any], str]:
    out = io.StringIO()
    with embedded_aws(cdk_out) as aws:
        demo = Demo(aws, out=out)
        demo.run()
        return demo.final_state(), out.getvalue()


def test_demo_ends_with_v1_in_production_v2_rolled_back_and_v3_rejected_and_repeats_on_rerun(
    cdk_out: Path,
) -> None:
    first, output = _run_once(cdk_out)
    assert first["versions"] == {
        1: (lifecycle.APPROVED, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED),
        2: (lifecycle.APPROVED, lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_ROLLED_BACK),
        3: (lifecycle.REJECTED, lifecycle.STAGE_STAGING, lifecycle.STATUS_FAILED),
    }
    assert first["served"] == {"modelops-staging": "2", "modelops-production": "1"}
    assert all(ok for _, _, ok in first["timeline"])
    for step in range(1, 8):
        assert f"[{step}/7]" in output
    assert "$ modelops diff 1 2" in output and "hyperparameter".upper() in output.upper()
    assert "notification sent to the lifecycle topic" in output

    second, _ = _run_once(cdk_out)
    assert second == first


def test_demo_without_templates_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cdk-out", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"modelops demo: no templates in {tmp_path / 'missing'}/; run `make synth` first"
    )


def test_interrupting_the_demo_leaves_nothing_running(cdk_out: Path, tmp_path: Path) -> None:
    # Ctrl-C in a terminal sends SIGINT to the whole foreground process group: do the same.
    demo = subprocess.Popen(
        [sys.executable, "-m", "modelops.demo", "--cdk-out", str(cdk_out), "--logs", str(tmp_path / "log")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert demo.stdout is not None
    for line in demo.stdout:
        if line.startswith("[1/7]"):  # training: a step script runs as a child process now
            break
    time.sleep(1.0)
    os.killpg(demo.pid, signal.SIGINT)
    _, err = demo.communicate(timeout=60)
    assert demo.returncode == 130
    assert "interrupted" in err
    with pytest.raises(ProcessLookupError):
        os.killpg(demo.pid, 0)  # no process of the demo's group is left


def test_an_interrupt_that_was_swallowed_still_stops_the_demo_at_the_next_step(cdk_out: Path) -> None:
    # Python drops an exception raised inside a finalizer; the handler's record of the signal remains.
    out = io.StringIO()
    with embedded_aws(cdk_out) as aws:
        demo = Demo(aws, out=out, received=Received(signal.SIGINT))
        with pytest.raises(Interrupted, match="SIGINT"):
            demo.run()
        assert (
            aws.client("sagemaker").list_model_packages(ModelPackageGroupName=demo.group)[
                "ModelPackageSummaryList"
            ]
            == []
        )
    assert "[1/7]" not in out.getvalue()
