"""Start time of the embedded AWS: in-process (``embedded_aws``) and as a server (``modelops local up``).

Each start runs in a fresh Python process, so the figure includes importing moto, as a test session or a
developer's shell would pay it. Prints the median of 5 (targets: in-process <= 1 s, server <= 3 s).

    .venv/bin/python bench/embedded_start.py [--cdk-out cdk.out] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FALLBACK_CDK_OUT = REPO / "tests" / "local" / "cdk_out"

IN_PROCESS = """
import sys, time
started = time.perf_counter()
from pathlib import Path
from modelops.local.embedded import embedded_aws
with embedded_aws(Path(sys.argv[1])) as aws:
    elapsed = time.perf_counter() - started
    resources = len(aws.provisioned.created)
print(f"{elapsed:.4f} {resources}")
"""


def in_process_start(cdk_out: Path) -> tuple[float, int]:
    out = subprocess.run(
        [sys.executable, "-c", IN_PROCESS, str(cdk_out)],
        cwd=REPO,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1])


def server_start(cdk_out: Path) -> float:
    """From launching ``modelops local up`` to the line that says what to export (the server is serving)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "modelops.cli", "local", "up", "--port", "0", "--cdk-out", str(cdk_out)],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.strip().startswith("export AWS_ENDPOINT_URL="):
                return time.perf_counter() - started
        raise RuntimeError("modelops local up exited before it served")
    finally:
        process.terminate()
        process.wait(timeout=15)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdk-out", type=Path, default=REPO / "cdk.out")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cdk_out = args.cdk_out if args.cdk_out.is_dir() else FALLBACK_CDK_OUT
    in_process = [in_process_start(cdk_out) for _ in range(args.runs)]
    server = [server_start(cdk_out) for _ in range(args.runs)]
    print(f"templates: {cdk_out} ({in_process[0][1]} resources provisioned)")
    print(
        f"in-process start: median {statistics.median(t for t, _ in in_process):.2f} s of {args.runs} "
        f"(min {min(t for t, _ in in_process):.2f}, max {max(t for t, _ in in_process):.2f}; target <= 1 s)"
    )
    print(
        f"server start:     median {statistics.median(server):.2f} s of {args.runs} "
        f"(min {min(server):.2f}, max {max(server):.2f}; target <= 3 s)"
    )


if __name__ == "__main__":
    main()
