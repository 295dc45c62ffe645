"""The serving archive of an MLflow-logged model, as the SageMaker scikit-learn container expects it.

A pipeline-trained version's ``model.tar.gz`` holds ``model.joblib``, ``model.json`` (the feature names)
and ``code/inference.py`` (``pipelines/steps/inference.py``), served with ``SAGEMAKER_PROGRAM=inference.py``
(``modelops.contract.training``). An MLflow-registered version gets the same archive, built from the MLflow
model, so it deploys through the same serving path, with the same request format, and needs no MLflow in
the container. The run's input example becomes the version's sample payloads, in the format the evaluate
step writes (a list of ``{"instances": [row]}`` request bodies), so the staging verifier needs no MLflow either.
"""

from __future__ import annotations

import io
import json
import math
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

SAMPLE_BODIES: Final = 5  # as many as the evaluate step writes


class PackagingError(ValueError):
    """The MLflow model cannot be served by the scikit-learn container."""


@dataclass(frozen=True)
class ServingArchive:
    archive: bytes  # model.tar.gz
    features: tuple[str, ...]
    sample_bodies: tuple[dict[str, Any], ...]  # empty when the run logged no input example


def build_archive(model_dir: Path) -> ServingArchive:
    """The archive for the MLflow model saved in ``model_dir`` (a scikit-learn flavor model)."""
    import joblib
    import mlflow.sklearn
    from mlflow.models import Model

    model_dir = Path(model_dir)
    try:
        description = Model.load(str(model_dir))
    except Exception as error:  # MLflow raises several types for a folder that is not a model
        raise PackagingError(f"{model_dir} is not an MLflow model ({error})") from None
    if "sklearn" not in description.flavors:
        flavors = ", ".join(sorted(f for f in description.flavors if f != "python_function")) or "none"
        raise PackagingError(
            f"only scikit-learn models can be served by the SageMaker scikit-learn container; this model's "
            f"flavors: {flavors}"
        )
    estimator = mlflow.sklearn.load_model(str(model_dir))
    features = _features(description, estimator)
    buffer = io.BytesIO()
    serving_code = _serving_code()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        model_bytes = io.BytesIO()
        joblib.dump(estimator, model_bytes)
        _add(tar, "model.joblib", model_bytes.getvalue())
        model_json = {
            "estimator": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
            "features": list(features),
            "packaged_from": "mlflow",
        }
        _add(tar, "model.json", json.dumps(model_json, indent=2, sort_keys=True).encode())
        _add(tar, "code/inference.py", serving_code)
    bodies = _sample_bodies(description, model_dir, len(features))
    return ServingArchive(archive=buffer.getvalue(), features=features, sample_bodies=bodies)


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def _serving_code() -> bytes:
    # The one serving program every version ships (pipelines/steps/inference.py), read from the installed
    # pipelines package, so both registration paths serve with the same code.
    import pipelines

    return (pipelines.steps_dir() / "inference.py").read_bytes()


def _features(description: Any, estimator: Any) -> tuple[str, ...]:
    signature = description.signature
    if signature is not None and signature.inputs is not None and signature.inputs.has_input_names():
        return tuple(str(name) for name in signature.inputs.input_names())
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        return tuple(str(name) for name in names)
    count = getattr(estimator, "n_features_in_", None)
    if not isinstance(count, int):
        raise PackagingError(
            "the model records neither feature names nor a feature count; fit it before logging"
        )
    return tuple(f"x{i}" for i in range(count))


def _sample_bodies(description: Any, model_dir: Path, width: int) -> tuple[dict[str, Any], ...]:
    example = description.load_input_example(str(model_dir))
    if example is None:
        return ()
    rows = _rows(example)
    bodies = []
    for row in rows[:SAMPLE_BODIES]:
        values = [float(v) for v in row]
        if len(values) != width or not all(math.isfinite(v) for v in values):
            raise PackagingError(
                f"the input example's rows must hold {width} finite numbers (the model's features); "
                f"got {row!r}"
            )
        bodies.append({"instances": [values]})
    return tuple(bodies)


def _rows(example: Any) -> list[list[Any]]:
    if hasattr(example, "to_numpy"):  # pandas DataFrame
        return [list(row) for row in example.to_numpy().tolist()]
    if hasattr(example, "tolist"):  # numpy array
        values = example.tolist()
        return [values] if values and not isinstance(values[0], list) else values
    if isinstance(example, list):
        return [list(row) if isinstance(row, list | tuple) else [row] for row in example]
    raise PackagingError(
        f"the input example is a {type(example).__name__}; log a DataFrame, an array or a list of rows"
    )
