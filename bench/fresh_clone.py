"""Benchmark: the README's commands from a fresh clone, as a newcomer or CI runs them.

Clones the committed ``HEAD`` into a temporary directory and times, there, ``make setup`` with empty uv,
pip and npm caches (nothing downloaded before counts), then optionally ``make demo`` and ``make test`` in
fresh clones of their own (setup included, caches warm as a second newcomer on the machine would have
them). Prints each wall time and the ``.venv`` size. Targets: setup <= 30 s, demo <= 75 s, test <= 4 min.

    .venv/bin/python bench/fresh_clone.py                 # setup only
    .venv/bin/python bench/fresh_clone.py --demo --test   # all three (several minutes)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _clone(parent: Path, name: str) -> Path:
    target = parent / name
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(target)], check=True)
    return target


def _timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {cwd} ({result.returncode}):\n{result.stderr[-3000:]}")
    return elapsed


def _size(path: Path) -> str:
    out = subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True, check=True).stdout
    return out.split()[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="also time make demo in a fresh clone")
    parser.add_argument("--test", action="store_true", help="also time make test in a fresh clone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="modelops-fresh-") as tmp:
        parent = Path(tmp)
        caches = {
            "UV_CACHE_DIR": str(parent / "uv-cache"),
            "PIP_CACHE_DIR": str(parent / "pip-cache"),
            "npm_config_cache": str(parent / "npm-cache"),
        }
        env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
        env.update(caches)
        setup_clone = _clone(parent, "setup")
        seconds = _timed(["make", "setup"], setup_clone, env)
        print(
            f"make setup, fresh clone, empty caches: {seconds:6.1f} s   (.venv {_size(setup_clone / '.venv')})"
        )
        for wanted, target in ((args.demo, "demo"), (args.test, "test")):
            if wanted:
                clone = _clone(parent, target)
                seconds = _timed(["make", target], clone, {**env, "CI": "true"})
                print(f"make {target}, fresh clone (setup included, warm caches): {seconds:6.1f} s")
    print("targets: setup <= 30 s, demo <= 75 s, test <= 240 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
