"""Train step: fit a RandomForestRegressor on the train channel and save it with its serving code.

Written to the SageMaker training container contract: the scikit-learn container downloads the source
archive named by ``sagemaker_submit_directory``, runs this file (``sagemaker_program``) with every other
hyperparameter as ``--name value`` arguments, and reads ``SM_MODEL_DIR`` / ``SM_CHANNEL_TRAIN``. The local
runner sets the same variables to local folders.

The model directory becomes ``model.tar.gz``: ``model.joblib``, ``model.json`` (feature names and the
hyperparameters, read back by the serving code to validate requests) and ``code/inference.py``, so every
version carries the exact serving code it was trained with.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.ensemble import RandomForestRegressor

SERVING_CODE = Path(__file__).resolve().parent / "inference.py"


class TrainingError(Exception):
    """The train channel or the hyperparameters cannot produce a model."""


def read_train_csv(channel: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    csvs = sorted(channel.glob("*.csv")) if channel.is_dir() else []
    if len(csvs) != 1:
        raise TrainingError(f"expected one .csv in the train channel {channel}; found {len(csvs)}")
    with csvs[0].open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    data = np.loadtxt(csvs[0], delimiter=",", skiprows=1, ndmin=2)
    # preprocess.py writes the target as the last column.
    return header[:-1], data[:, :-1], data[:, -1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # SageMaker passes hyperparameters with underscores, exactly as they are named in the pipeline.
    parser.add_argument("--n_estimators", type=int, default=200)
    parser.add_argument("--max_depth", type=int, default=6)
    parser.add_argument("--min_samples_leaf", type=int, default=5)
    parser.add_argument("--random_state", type=int, default=42)
    parser.add_argument("--model-dir", default=os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    parser.add_argument("--train", default=os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    # The framework container also passes its own sagemaker_* settings; they are not ours to read.
    args, _unknown = parser.parse_known_args(argv)
    if not 1 <= args.n_estimators <= 2000:
        raise TrainingError(f"n_estimators {args.n_estimators} is outside 1..2000")
    if not 1 <= args.max_depth <= 64:
        raise TrainingError(f"max_depth {args.max_depth} is outside 1..64")
    if not 1 <= args.min_samples_leaf <= 100:
        raise TrainingError(f"min_samples_leaf {args.min_samples_leaf} is outside 1..100")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    features, x, y = read_train_csv(Path(args.train))
    hyperparameters = {
        "n_estimators": args.n_estimators,
        "max_depth": args.max_depth,
        "min_samples_leaf": args.min_samples_leaf,
        "random_state": args.random_state,
    }
    # n_jobs=1: the result must not depend on the core count, so a version can be reproduced exactly.
    model = RandomForestRegressor(**hyperparameters, n_jobs=1).fit(x, y)

    model_dir = Path(args.model_dir)
    (model_dir / "code").mkdir(parents=True, exist_ok=True)
    joblib.dump(model, model_dir / "model.joblib")
    description = {
        "estimator": "sklearn.ensemble.RandomForestRegressor",
        "sklearn_version": sklearn.__version__,
        "features": features,
        "hyperparameters": hyperparameters,
        "train_rows": int(x.shape[0]),
    }
    (model_dir / "model.json").write_text(json.dumps(description, indent=2, sort_keys=True), encoding="utf-8")
    shutil.copyfile(SERVING_CODE, model_dir / "code" / "inference.py")
    print(json.dumps({"trained": description["estimator"], **hyperparameters}, sort_keys=True))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TrainingError as error:
        # SageMaker reports the content of /opt/ml/output/failure as the job's FailureReason.
        failure = Path(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output")) / "failure"
        try:
            failure.parent.mkdir(parents=True, exist_ok=True)
            failure.write_text(str(error), encoding="utf-8")
        except OSError:
            pass
        print(f"train failed: {error}", file=sys.stderr)
        sys.exit(1)
