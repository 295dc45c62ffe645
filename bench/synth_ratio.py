"""Benchmark: ``make synth`` against the CDK floor, side by side in one run.

Each round synthesizes, one after the other and in alternating order: the project with a cold cache (no
``build/pipeline-definition``, as in a fresh clone), the project with a warm cache, and the floor app
(``bench/floor_app/app.py``: one stack of the project's size and resource types, none of the project's own
synth-time work), all with the project's pinned CDK CLI and ``cdk.json`` feature flags. It prints each
one's median wall and CPU seconds and the ratio to the floor, pair by pair (target: cold <= 1.4x).

    .venv/bin/python bench/synth_ratio.py            # 3 rounds
    .venv/bin/python bench/synth_ratio.py --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CDK = REPO / "node_modules" / ".bin" / "cdk"
CACHE = REPO / "build" / "pipeline-definition"
ENV = {
    **os.environ,
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
    "CDK_DISABLE_VERSION_CHECK": "1",
}


def _floor_project(workdir: Path) -> Path:
    project = workdir / "floor"
    project.mkdir()
    flags = json.loads((REPO / "cdk.json").read_text())["context"]
    app = f"{sys.executable} {REPO / 'bench' / 'floor_app' / 'app.py'}"
    (project / "cdk.json").write_text(json.dumps({"app": app, "context": flags}))
    return project


def _synth(cwd: Path, outdir: Path, *extra: str) -> tuple[float, float]:
    shutil.rmtree(outdir, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(CDK), "synth", "--quiet", "-o", str(outdir), *extra],
        cwd=cwd,
        env=ENV,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        floor = _floor_project(workdir)
        project_args = ("-c", "stage=default", "-c", "code_commit=bench")
        runs: dict[str, list[tuple[float, float]]] = {"cold": [], "warm": [], "floor": []}

        def cold() -> None:
            shutil.rmtree(CACHE, ignore_errors=True)
            runs["cold"].append(_synth(REPO, workdir / "out-project", *project_args))

        def warm() -> None:
            runs["warm"].append(_synth(REPO, workdir / "out-project", *project_args))

        def floor_once() -> None:
            runs["floor"].append(_synth(floor, workdir / "out-floor"))

        warm()  # warm-up: the page cache, node_modules, .pyc files; fills the cache for the warm runs
        runs["warm"].clear()
        for index in range(args.rounds):
            order = (floor_once, cold, warm) if index % 2 == 0 else (cold, warm, floor_once)
            for step in order:
                step()
    floor_wall = [wall for wall, _ in runs["floor"]]
    print(f"synth, median of {args.rounds} rounds run alternately (wall s / cpu s):")
    for name in ("floor", "cold", "warm"):
        walls = [wall for wall, _ in runs[name]]
        cpus = [cpu for _, cpu in runs[name]]
        line = f"  {name:<5} {statistics.median(walls):6.2f} s wall  {statistics.median(cpus):6.2f} s cpu"
        if name != "floor":
            ratios = [wall / base for wall, base in zip(walls, floor_wall, strict=True)]
            line += f"  ratio to floor {statistics.median(ratios):.2f}x (min {min(ratios):.2f}, max {max(ratios):.2f})"
        print(line)
    print("target: cold <= 1.40x the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
