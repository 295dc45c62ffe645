"""Ctrl-C during `make demo`: the exit status and how long the demo takes to stop, over many interrupts.

Each run starts ``python -m modelops.demo`` in its own process group, waits for step 1 (training) to begin,
sleeps a delay from ``--delays`` in turn, and sends SIGINT to the whole group as a terminal does. It prints
the exit statuses seen (130 is right; -2 means killed by SIGINT) and the median and worst time from the signal
to the exit. ``--load N`` keeps N busy-looping processes running meanwhile: a loaded CI machine is where
interrupts land in the odd places (an import, a finalizer).

    .venv/bin/python bench/demo_interrupts.py [--cdk-out cdk.out] [--runs 10] [--load 0]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def _busy_loops(count: int) -> Iterator[None]:
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def _interrupt_once(cdk_out: Path, delay: float, logs: Path) -> tuple[int, float, bool]:
    demo = subprocess.Popen(
        [sys.executable, "-m", "modelops.demo", "--cdk-out", str(cdk_out), "--logs", str(logs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert demo.stdout is not None
    for line in demo.stdout:
        if line.startswith("[1/7]"):
            break
    time.sleep(delay)
    os.killpg(demo.pid, signal.SIGINT)
    sent = time.monotonic()
    _, err = demo.communicate(timeout=120)
    stopped = time.monotonic() - sent
    try:
        os.killpg(demo.pid, 0)
        leftover = True
    except ProcessLookupError:
        leftover = False
    if demo.returncode not in (130, -signal.SIGINT):
        print(f"  exit {demo.returncode} after {delay} s: {err.strip().splitlines()[-1:]}", flush=True)
    return demo.returncode, stopped, leftover


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cdk-out", type=Path, default=REPO / "cdk.out")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--load", type=int, default=0, help="busy-looping processes alongside")
    parser.add_argument("--delays", default="0,0.2,0.4,0.6,1.0", help="seconds after [1/7], used in turn")
    args = parser.parse_args()
    if not list(args.cdk_out.glob("*.template.json")):
        raise SystemExit(f"no templates in {args.cdk_out}/: run `make synth` first")
    delays = [float(delay) for delay in args.delays.split(",")]
    statuses: collections.Counter[int] = collections.Counter()
    stop_times: list[float] = []
    leftovers = 0
    with tempfile.TemporaryDirectory() as scratch, _busy_loops(args.load):
        for run in range(args.runs):
            status, stopped, leftover = _interrupt_once(
                args.cdk_out, delays[run % len(delays)], Path(scratch) / "lambda.log"
            )
            statuses[status] += 1
            stop_times.append(stopped)
            leftovers += leftover
    seen = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    print(f"{args.runs} interrupts with {args.load} busy loops alongside: exit statuses {{{seen}}}")
    print(
        f"signal to exit: median {statistics.median(stop_times):.2f} s, worst {max(stop_times):.2f} s; "
        f"runs that left a process behind: {leftovers}"
    )


if __name__ == "__main__":
    main()
