"""Benchmark: time to build the training pipeline definition, and the size of what is deployed.

- build time: ``python -m pipelines.training --print`` in a fresh Python process each round, so the SDK
  import (the larger part) is counted every time, as a CI job or ``cdk synth`` pays it; median of
  ``--repeat`` rounds (target: at most 6 s);
- sizes: the definition JSON, and the PipelineStack template synthesized by ``build_app`` (CloudFormation
  accepts templates up to 1 MB when uploaded to S3, 51,200 bytes inline; SageMaker accepts a pipeline
  definition body up to 1 MB).

    .venv/bin/python bench/pipeline_definition.py
    .venv/bin/python bench/pipeline_definition.py --repeat 7 --no-synth
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def build_once() -> tuple[float, int]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.training", "--print"],
        cwd=REPO,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return time.perf_counter() - started, len(result.stdout)


def template_size() -> int:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    sys.path.insert(0, str(REPO))
    from infra.app import build_app

    with tempfile.TemporaryDirectory() as outdir:
        build_app(outdir=outdir).synth()
        return (Path(outdir) / "modelops-pipeline.template.json").stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-synth", action="store_true", help="skip the template size (saves ~10 s)")
    args = parser.parse_args()
    rounds = [build_once() for _ in range(args.repeat)]
    times = sorted(t for t, _ in rounds)
    print(
        f"definition build (fresh process, import included): median {statistics.median(times):.2f} s "
        f"over {args.repeat} (min {times[0]:.2f} s, max {times[-1]:.2f} s; target <= 6 s)"
    )
    print(f"definition JSON: {rounds[0][1]:,} bytes")
    if not args.no_synth:
        print(f"PipelineStack template: {template_size():,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
