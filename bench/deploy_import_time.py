"""Cold import time of each deployer handler above a bare ``import boto3`` (target: at most 150 ms).

Each handler is imported from the Lambda bundle (what Lambda would load) in a fresh interpreter after
``import boto3``, under ``python -B -X importtime`` (no bytecode cache for the bundle, as on Lambda); the
figure is the cumulative time of every top-level import that follows boto3's, median of 5 runs.

    .venv/bin/python bench/deploy_import_time.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infra.constructs.lambda_bundle import build_bundle, handler_modules

RUNS = 5
TARGET_MS = 150.0


def above_boto3_ms(bundle: Path, module: str) -> float:
    code = f"import sys; sys.path.insert(0, {str(bundle)!r}); import boto3; import {module}"
    # -B: no bytecode cache, as on Lambda, whose read-only bundle holds no .pyc: every cold start compiles.
    stderr = subprocess.run(
        [sys.executable, "-B", "-X", "importtime", "-c", code], capture_output=True, text=True, check=True
    ).stderr
    total_us, after_boto3 = 0, False
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        name = name[1:]  # one space separates the column; more is nesting
        if name == "boto3":  # the top-level entry of boto3: everything after it is the handler's cost
            after_boto3 = True
            continue
        if after_boto3 and not name.startswith(" "):
            total_us += int(cumulative)
    return total_us / 1000.0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bundle = build_bundle(Path(tmp))
        print(f"{'handler':<52} {'median ms':>9}  runs")
        worst = 0.0
        for module in handler_modules():
            runs = [above_boto3_ms(bundle, module) for _ in range(RUNS)]
            median = statistics.median(runs)
            worst = max(worst, median)
            print(f"{module:<52} {median:>9.1f}  {', '.join(f'{r:.0f}' for r in runs)}")
    print(
        f"worst median: {worst:.1f} ms above import boto3 (target: at most {TARGET_MS:.0f} ms) -> "
        f"{'OK' if worst <= TARGET_MS else 'OVER'}"
    )


if __name__ == "__main__":
    main()
