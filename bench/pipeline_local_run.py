"""Benchmark: ``modelops local run-pipeline`` end to end, and the metric the model reaches.

Each round runs preprocess -> train -> evaluate -> gate -> register (three fresh Python processes for the
steps, as the containers would be) against a fresh in-process embedded AWS, with the default
hyperparameters on scikit-learn's bundled diabetes data. Prints the median wall time (target: at most
30 s) and the metrics, which are the same every round: the split and the forest are seeded.

    .venv/bin/python bench/pipeline_local_run.py
    .venv/bin/python bench/pipeline_local_run.py --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from modelops.local.embedded import embedded_aws
from modelops.local.pipeline_runner import run_local_pipeline

GROUP = "diabetes-progression"
BUCKET = "bench-artifacts"
THRESHOLD = 70.0  # StageSettings().metric_threshold


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    times, metrics = [], {}
    for _ in range(args.repeat):
        with embedded_aws(None) as aws:
            sm, s3 = aws.client("sagemaker"), aws.client("s3")
            sm.create_model_package_group(ModelPackageGroupName=GROUP)
            s3.create_bucket(Bucket=BUCKET)
            started = time.perf_counter()
            run = run_local_pipeline(sm, s3, group=GROUP, bucket=BUCKET, threshold=THRESHOLD)
            times.append(time.perf_counter() - started)
            metrics = dict(run.metrics)
    times.sort()
    print(
        f"local pipeline run: median {statistics.median(times):.1f} s over {args.repeat} "
        f"(min {times[0]:.1f} s, max {times[-1]:.1f} s; target <= 30 s)"
    )
    print("metrics on the held-out split: " + ", ".join(f"{k}={v:.2f}" for k, v in metrics.items()))
    print(f"gate: rmse <= {THRESHOLD:g}; test bound: rmse <= 65, r2 >= 0.25")
    return 0


if __name__ == "__main__":
    sys.exit(main())
