"""`make demo` end to end: the lifecycle reaches the documented end state, and a rerun repeats it exactly."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from modelops.contract import lifecycle
from modelops.demo import Demo, main
from modelops.demo_mlflow import tracking_server
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


def _free_port() -> int:
    # Never MLflow's 5000: a person's `modelops local up` (or another test) may hold it.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_once(cdk_out: Path) -> tuple[dict[str, Any], str, dict[int, tuple[str, str, str]]]:
    out = io.StringIO()
    with embedded_aws(cdk_out) as aws, tracking_server(aws, _free_port()) as mlflow:
        demo = Demo(aws, out=out, tracking_uri=mlflow.tracking_uri)
        demo.run()
        return demo.final_state(), out.getvalue(), _pipeline_run_links(demo)


def _pipeline_run_links(demo: Demo) -> dict[int, tuple[str, str, str]]:
    """Per pipeline-trained version: (the run the demo reported, the run the package names, the version the
    run's tag names), read from SageMaker and from the tracking server while both still run."""
    from mlflow.tracking import MlflowClient

    from modelops.local.execution_mlflow import TAG_PACKAGE_VERSION
    from modelops.mlflow_registry.conversion import META_RUN_ID

    client = MlflowClient(tracking_uri=demo.tracking_uri)
    return {
        version: (
            run_id,
            demo.registry.get_version(version).properties.get(META_RUN_ID, ""),
            client.get_run(run_id).data.tags.get(TAG_PACKAGE_VERSION, ""),
        )
        for version, run_id in demo.pipeline_runs.items()
    }


def test_demo_ends_with_v1_in_production_v2_rolled_back_and_v3_rejected_and_repeats_on_rerun(
    cdk_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, output, links = _run_once(cdk_out)
    printed_by_the_cli = capsys.readouterr().out  # `modelops ...` prints to stdout, the demo's lines to `out`
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
    # Step 1: three MLflow runs, the lowest RMSE registered by the CLI as the data scientist, version 1.
    table = re.findall(r"^  ([0-9a-f]{32}) +(\d+) +(\d+) +([\d.]+)(  <- lowest)?$", output, re.MULTILINE)
    assert len(table) == 3 and len({row[1:3] for row in table}) == 3  # three hyperparameter sets
    [best] = [row for row in table if row[4]]
    assert float(best[3]) == min(float(row[3]) for row in table)
    assert f"registered run {best[0]} (rmse " in printed_by_the_cli
    assert "as version 1 of diabetes-progression" in printed_by_the_cli
    assert "--best rmse --group diabetes-progression    # as data-scientist" in output
    assert f"models:/diabetes-progression/1 in MLflow: run {best[0]}" in output
    assert re.search(rf"^mlflow.run_id +{best[0]}$", printed_by_the_cli, re.MULTILINE)  # `modelops show`
    assert "passed (3 samples" in output  # staging verified it on the run's three-row input example
    # @production follows production: 1 after its promotion, 2 after the next, 1 again after the rollback.
    aliases = re.findall(r"^models:/diabetes-progression@production -> version (\d+)", output, re.MULTILINE)
    assert aliases == ["1", "2", "1"]
    assert output.count("mlflow.pyfunc.load_model('models:/diabetes-progression@production')") == 2
    assert "The MLflow UI is on http://127.0.0.1:" in output
    # Versions 2 and 3 came from the pipeline: each execution's MLflow run and its version name each other.
    assert set(links) == {2, 3}
    assert all(reported == named and tag == str(v) for v, (reported, named, tag) in links.items())
    assert "one run per pipeline execution in 'modelops-training' (versions 2, 3)" in output

    second, _, _ = _run_once(cdk_out)
    assert second == first


def test_demo_without_templates_says_what_to_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--cdk-out", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"modelops demo: no templates in {tmp_path / 'missing'}/; run `make synth` first"
    )


def test_a_taken_mlflow_port_fails_in_one_line_before_anything_starts(
    cdk_out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = int(taken.getsockname()[1])
        begun = time.monotonic()
        assert main(["--cdk-out", str(cdk_out), "--mlflow-port", str(port)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(
        f"modelops demo: cannot start MLflow on 127.0.0.1:{port}: Address already in use"
    )
    assert captured.err.count("\n") == 1 and "--mlflow-port" in captured.err
    assert "Starting the embedded AWS" not in captured.out and time.monotonic() - begun < 5


def test_interrupting_the_demo_leaves_nothing_running(cdk_out: Path, tmp_path: Path) -> None:
    # Ctrl-C in a terminal sends SIGINT to the whole foreground process group: do the same.
    port = _free_port()
    demo = subprocess.Popen(
        [
            *(
                sys.executable,
                "-m",
                "modelops.demo",
                "--cdk-out",
                str(cdk_out),
                "--logs",
                str(tmp_path / "log"),
            ),
            *("--mlflow-port", str(port)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert demo.stdout is not None
    mlflow_group = None
    for line in demo.stdout:
        found = re.search(r"MLflow tracking server \(UI\) on .*\(process group (\d+)\)", line)
        mlflow_group = int(found[1]) if found else mlflow_group
        if line.startswith("[1/7]"):  # logging MLflow runs to the tracking server, in its own group
            break
    assert mlflow_group is not None
    time.sleep(1.0)
    os.killpg(demo.pid, signal.SIGINT)
    _, err = demo.communicate(timeout=60)
    assert demo.returncode == 130
    assert "interrupted" in err
    with pytest.raises(ProcessLookupError):
        os.killpg(demo.pid, 0)  # no process of the demo's group is left
    with pytest.raises(ProcessLookupError):
        os.killpg(
            mlflow_group, 0
        )  # nor of the tracking server's (Ctrl-C never reached it: the demo stopped it)
    with socket.socket() as probe:
        # Free for a new server, as a server binds (SO_REUSEADDR): the closed connections' TIME_WAIT entries
        # on the port do not count, a listener left behind does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()


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
