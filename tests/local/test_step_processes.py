"""A step script run by the local runner behaves as ``python script.py args`` would, forked or fresh."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from modelops.local import step_processes
from modelops.local.step_processes import Finished, StepTimeout, run_script

REPORT = """
import json, os, sys
print("to stdout")
print("to stderr", file=sys.stderr)
json.dump({"argv": sys.argv, "env": dict(os.environ), "cwd": os.getcwd(), "path0": sys.path[0],
           "main": __name__, "stdin": sys.stdin.read()}, open(sys.argv[1], "w"))
"""


@pytest.fixture(params=["forked", "fresh"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fresh":
        monkeypatch.setenv("MODELOPS_STEP_PROCESSES", "fresh")
    return str(request.param)


def _script(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "scripts" / "step.py"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(body, encoding="utf-8")
    return script


def test_the_script_sees_its_arguments_exactly_its_environment_its_folder_and_no_stdin(
    mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    report = tmp_path / "report.json"
    env = {"PATH": os.environ["PATH"], "SM_MODEL_DIR": "/opt/ml/model", "ONLY_THIS": "1"}

    finished = run_script(_script(tmp_path, REPORT), [str(report), "--n_estimators", "7"], env, 60)

    assert finished == Finished(0, "to stdout\n", "to stderr\n")
    seen = json.loads(report.read_text())
    assert seen["argv"][1:] == [str(report), "--n_estimators", "7"]
    assert seen["main"] == "__main__" and seen["stdin"] == ""
    assert seen["cwd"] == str(tmp_path) and seen["path0"] == str(tmp_path / "scripts")
    # What the runner passes, and nothing of the runner's own (a fresh interpreter may add LC_CTYPE).
    assert {k: v for k, v in seen["env"].items() if k != "LC_CTYPE"} == env


@pytest.mark.parametrize(
    ("body", "code", "last_error_line"),
    [
        ("import sys; sys.exit(3)", 3, None),
        ("import sys; sys.exit('no train channel')", 1, "no train channel"),
        ("raise ValueError('bad hyperparameter')", 1, "ValueError: bad hyperparameter"),
        ("import sys; sys.exit(None)", 0, None),
        ("import os; os._exit(9)", 9, None),
    ],
)
def test_the_exit_code_and_the_error_are_the_script_s_as_an_interpreter_ends_it(
    mode: str, tmp_path: Path, body: str, code: int, last_error_line: str | None
) -> None:
    finished = run_script(_script(tmp_path, body), [], dict(os.environ), 60)

    assert finished.returncode == code
    if last_error_line is not None:
        assert finished.stderr.strip().splitlines()[-1] == last_error_line


def test_a_script_past_its_time_is_killed_and_the_next_one_runs(mode: str, tmp_path: Path) -> None:
    hang = _script(tmp_path, "import time; time.sleep(600)")
    began = time.monotonic()

    with pytest.raises(StepTimeout):
        run_script(hang, [], dict(os.environ), 1.0)

    assert time.monotonic() - began < 30
    assert run_script(_script(tmp_path, "print('next')"), [], dict(os.environ), 60).stdout == "next\n"


def test_a_step_that_kills_the_zygote_is_failed_and_the_next_step_gets_a_new_one(tmp_path: Path) -> None:
    # The child's parent is the zygote: killing it mid-step ends the protocol, not the runner.
    runner = os.getpid()
    murder = _script(
        tmp_path,
        f"import os, signal\nif os.getppid() != {runner}:\n    os.kill(os.getppid(), signal.SIGKILL)\nprint('ran')",
    )

    # Its parent gone, the step runs again in a fresh interpreter (whose parent is the runner: spared).
    assert run_script(murder, [], dict(os.environ), 60) == Finished(0, "ran\n", "")

    assert run_script(_script(tmp_path, "print('alive')"), [], dict(os.environ), 60).stdout == "alive\n"


def test_steps_in_two_threads_at_once_both_finish_with_their_own_output(tmp_path: Path) -> None:
    results: dict[int, Finished] = {}
    scripts = [_script(tmp_path / str(n), f"import time; time.sleep(0.5); print({n})") for n in (1, 2)]

    def one(n: int, script: Path) -> None:
        results[n] = run_script(script, [], dict(os.environ), 60)

    threads = [threading.Thread(target=one, args=(n, s)) for n, s in zip((1, 2), scripts, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {n: r.stdout for n, r in results.items()} == {1: "1\n", 2: "2\n"}


def test_the_zygote_has_preloaded_the_libraries_and_ends_with_its_runner(tmp_path: Path) -> None:
    run_script(_script(tmp_path, "pass"), [], dict(os.environ), 60)
    zygote = step_processes._zygote
    assert zygote is not None and zygote.process.poll() is None

    probe = _script(tmp_path, "import sys; print('sklearn.ensemble' in sys.modules)")
    assert run_script(probe, [], dict(os.environ), 60).stdout == "True\n"

    zygote.stop()
    assert zygote.process.returncode == 0
    assert run_script(_script(tmp_path, "print('again')"), [], dict(os.environ), 60).stdout == "again\n"
