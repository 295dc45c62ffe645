"""Preprocess step: split the input CSV into train/test and record the data version.

Runs inside the SageMaker scikit-learn processing container (``python3 preprocess.py``) and, with the
container contract mapped to local folders, under ``modelops local run-pipeline``. It imports only what
that container ships (numpy), so the same file runs in both places.

Contract: the input channel holds exactly one ``*.csv`` with a header row and the target in the column
named by ``--target`` (default ``target``); every other column is a numeric feature. Outputs:
``train/train.csv``, ``test/test.csv`` (same header, target last) and ``metadata/data.json`` with the
sha256 of the input bytes (the data version) and the row counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

# SageMaker mounts processing channels under /opt/ml/processing; the local runner points this elsewhere.
PROCESSING_DIR = Path(os.environ.get("MODELOPS_PROCESSING_DIR", "/opt/ml/processing"))
MIN_ROWS = 20  # fewer rows than this cannot give a test split worth gating on


class PreprocessError(Exception):
    """The input data cannot be split into a usable train and test set."""


def find_input_csv(input_dir: Path) -> Path:
    csvs = sorted(input_dir.glob("*.csv")) if input_dir.is_dir() else []
    if len(csvs) != 1:
        found = ", ".join(p.name for p in csvs) or "none"
        raise PreprocessError(f"expected exactly one .csv file in {input_dir}; found {found}")
    return csvs[0]


def load_table(path: Path, target: str) -> tuple[list[str], np.ndarray]:
    """Read a numeric CSV; returns (feature names + target last, matrix in that column order)."""
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    if target not in header:
        raise PreprocessError(f"{path.name} has no {target!r} column; columns: {', '.join(header)}")
    try:
        data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    except ValueError as err:
        raise PreprocessError(f"{path.name} holds a non-numeric value: {err}") from err
    if data.shape[0] < MIN_ROWS:
        raise PreprocessError(f"{path.name} has {data.shape[0]} data rows; at least {MIN_ROWS} are needed")
    if not np.all(np.isfinite(data)):
        raise PreprocessError(f"{path.name} holds missing or non-finite values")
    order = [i for i, name in enumerate(header) if name != target] + [header.index(target)]
    return [header[i] for i in order], data[:, order]


def split(data: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle split, so the same data version always yields the same train and test rows."""
    rows = np.random.default_rng(seed).permutation(data.shape[0])
    n_test = max(1, round(data.shape[0] * test_fraction))
    return data[rows[n_test:]], data[rows[:n_test]]


def write_csv(path: Path, header: list[str], data: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, data, delimiter=",", header=",".join(header), comments="", fmt="%.10g")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="target")
    parser.add_argument("--test-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if not 0.05 <= args.test_fraction <= 0.5:
        raise PreprocessError(f"--test-fraction {args.test_fraction} is outside 0.05..0.5")

    source = find_input_csv(PROCESSING_DIR / "input" / "data")
    data_version = hashlib.sha256(source.read_bytes()).hexdigest()
    header, data = load_table(source, args.target)
    train, test = split(data, args.test_fraction, args.seed)
    write_csv(PROCESSING_DIR / "train" / "train.csv", header, train)
    write_csv(PROCESSING_DIR / "test" / "test.csv", header, test)
    metadata = {
        "data_version": f"sha256:{data_version}",
        "source_file": source.name,
        "rows": int(data.shape[0]),
        "train_rows": int(train.shape[0]),
        "test_rows": int(test.shape[0]),
        "features": header[:-1],
        "target": args.target,
        "seed": args.seed,
    }
    out = PROCESSING_DIR / "metadata" / "data.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(metadata, indent=2, sort_keys=True), encoding="utf-8")
    print(json.dumps(metadata, sort_keys=True))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PreprocessError as error:
        # One line a user can act on; SageMaker shows stderr as the job's failure reason in CloudWatch.
        print(f"preprocess failed: {error}", file=sys.stderr)
        sys.exit(1)
