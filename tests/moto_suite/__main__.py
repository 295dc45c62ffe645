"""``python -m tests.moto_suite``: moto's own SageMaker and EventBridge tests, on plain moto and patched.

Fetches the pinned moto's sdist into ``build/moto-suite/`` (once; verified against the sha256 in
``uv.lock``), runs its ``tests/test_sagemaker`` and ``tests/test_events`` twice, on plain moto and with the
embedded AWS's patches applied, and fails unless every test that passes on plain moto passes patched or is
listed in ``deliberate_differences.toml``. The plain pass depends only on the locked packages, so its outcome
is kept per lock (``--fresh`` runs it anyway).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.moto_suite.compare import Comparison, load_listed, report
from tests.moto_suite.sdist import PinnedSdist, SdistError, fetch, unpack_tests

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SUITES = ("tests/test_sagemaker", "tests/test_events")
DIFFERENCES = HERE / "deliberate_differences.toml"


class SuiteError(RuntimeError):
    """A pass could not run (pytest crashed, collected nothing, or was interrupted)."""


def run_pass(root: Path, outcomes: Path, *, patched: bool, workers: str) -> tuple[dict[str, str], str]:
    """One pytest run of the suites under ``root``; the outcomes and pytest's last line."""
    # moto's own pytest settings (markers, warnings), named so that no other configuration is found instead.
    command = [sys.executable, "-m", "pytest", "-c", str(root / "pyproject.toml"), "--rootdir", str(root)]
    command += ["-q", "--color=no", "-p", "no:cacheprovider"]
    command += ["-p", "modelops_moto_suite", "--modelops-outcomes", str(outcomes), "-n", workers]
    command += [*(["--modelops-patches"] if patched else []), *SUITES]
    # moto's tests use mock_aws and arbitrary credentials: nothing of the caller's AWS set-up applies.
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update({"TESTS_SKIP_REQUIRES_DOCKER": "true", "PYTHONPATH": str(HERE / "plugin")})
    log = outcomes.with_suffix(".log")
    with log.open("w") as output:
        result = subprocess.run(
            command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT, check=False
        )
    lines = log.read_text().strip().splitlines()
    if result.returncode not in (0, 1) or not outcomes.exists():
        raise SuiteError(f"pytest exited {result.returncode} ({log}):\n" + "\n".join(lines[-20:]))
    found = json.loads(outcomes.read_text())
    uncollected = sorted(test for test, outcome in found.items() if outcome == "error")
    if uncollected:
        raise SuiteError(f"pytest could not collect {', '.join(uncollected)} ({log})")
    return found, (lines[-1] if lines else "")


def lock_key(lock: Path, pin: PinnedSdist) -> str:
    """What the plain pass's outcome depends on: the locked packages, the sdist and the interpreter."""
    material = lock.read_bytes() + pin.sha256.encode() + sys.version.encode()
    return hashlib.sha256(material).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.moto_suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=REPO / "build" / "moto-suite")
    parser.add_argument("--lock", type=Path, default=REPO / "uv.lock")
    parser.add_argument("--pip-python", default="python3", help="the Python whose pip fetches the sdist")
    parser.add_argument("--workers", default="2", help="pytest-xdist workers per pass (-n)")
    parser.add_argument("--fresh", action="store_true", help="run the plain pass even if its outcome is kept")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        pin = PinnedSdist.from_lock(args.lock)
        root = unpack_tests(pin, fetch(pin, args.cache, args.pip_python), args.cache)
        listed = load_listed(DIFFERENCES)
    except (SdistError, ValueError) as exc:
        print(f"moto suite: {exc}", file=sys.stderr)
        return 2
    print(f"moto {pin.version} suite ({', '.join(SUITES)}; sdist sha256 {pin.sha256[:12]}... verified)")
    kept = args.cache / f"plain-{lock_key(args.lock, pin)}.json"
    try:
        if kept.exists() and not args.fresh:
            plain, plain_line = json.loads(kept.read_text()), "kept from an earlier run of this lock"
        else:
            plain, plain_line = run_pass(root, args.cache / "plain.json", patched=False, workers=args.workers)
            kept.write_text(json.dumps(plain))
        patched, patched_line = run_pass(
            root, args.cache / "patched.json", patched=True, workers=args.workers
        )
    except SuiteError as exc:
        print(f"moto suite: {exc}", file=sys.stderr)
        return 2
    comparison = Comparison(plain=plain, patched=patched, listed=listed)
    print(f"  plain pass:   {plain_line}\n  patched pass: {patched_line} (log: {args.cache / 'patched.log'})")
    print("\n".join(report(comparison, str(DIFFERENCES.relative_to(REPO)))))
    print(f"  wall time: {time.monotonic() - started:.1f} s")
    return 0 if comparison.ok else 1


if __name__ == "__main__":
    sys.exit(main())
