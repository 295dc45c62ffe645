"""What a training run produces and a registered version carries: image, serving contract, files, hyperparameters.

The SageMaker pipeline (``pipelines.training``, built with the SageMaker SDK at synth time) and
``modelops local run-pipeline`` (plain boto3 against the embedded AWS) both train and register versions;
everything they must agree on (serving container and environment, content types, hyperparameter bounds,
the files the step scripts write, the metrics) is defined once here. The metadata a version carries is
built by ``modelops.contract.registration``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# The SageMaker scikit-learn container: the same image trains, evaluates and serves. 1.9-0 carries
# scikit-learn 1.9, the version pinned for local runs, so a model pickled here loads there.
SKLEARN_FRAMEWORK_VERSION: Final = "1.9-0"
SKLEARN_REPOSITORY: Final = "sagemaker-scikit-learn"
# Registry accounts of that image per region, as the SageMaker SDK's image_uri_config/sklearn.json lists
# them (a test keeps the two equal). The CDK stack turns this into a CfnMapping.
SKLEARN_IMAGE_ACCOUNTS: Final[Mapping[str, str]] = {
    "af-south-1": "510948584623", "ap-east-1": "651117190479", "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698", "ap-northeast-3": "867004704886", "ap-south-1": "720646828776",
    "ap-south-2": "628508329040", "ap-southeast-1": "121021644041", "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941", "ap-southeast-4": "106583098589", "ca-central-1": "341280168497",
    "ca-west-1": "190319476487", "cn-north-1": "450853457545", "cn-northwest-1": "451049120500",
    "eu-central-1": "492215442770", "eu-central-2": "680994064768", "eu-north-1": "662702820516",
    "eu-south-1": "978288397137", "eu-south-2": "104374241257", "eu-west-1": "141502667606",
    "eu-west-2": "764974769150", "eu-west-3": "659782779980", "il-central-1": "898809789911",
    "me-central-1": "272398656194", "me-south-1": "801668240914", "sa-east-1": "737474898029",
    "us-east-1": "683313688378", "us-east-2": "257758044811", "us-gov-east-1": "237065988967",
    "us-gov-west-1": "414596584902", "us-iso-east-1": "833128469047", "us-isob-east-1": "281123927165",
    "us-isof-east-1": "108575199400", "us-isof-south-1": "124985052026", "us-west-1": "746614075791",
    "us-west-2": "246618743249",
}  # fmt: skip
SKLEARN_IMAGE_TAG: Final = f"{SKLEARN_FRAMEWORK_VERSION}-cpu-py3"

# Serving contract of the scikit-learn container: run code/inference.py shipped inside model.tar.gz.
SERVING_PROGRAM: Final = "inference.py"
SERVING_ENVIRONMENT: Final[Mapping[str, str]] = {
    "SAGEMAKER_PROGRAM": SERVING_PROGRAM,
    "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
    "SAGEMAKER_CONTAINER_LOG_LEVEL": "20",
}
CONTENT_TYPES: Final = ("application/json", "text/csv")
RESPONSE_TYPES: Final = ("application/json",)

# Hyperparameters of pipelines/steps/train.py: name -> (default, lowest, highest). The bounds are the
# ones train.py enforces; checking them before a run saves a failed training job.
HYPERPARAMETERS: Final[Mapping[str, tuple[int, int, int]]] = {
    "n_estimators": (200, 1, 2000),
    "max_depth": (6, 1, 64),
    "min_samples_leaf": (5, 1, 100),
}
RANDOM_STATE: Final = 42

# Files the step scripts write (see pipelines/steps/*.py).
DATA_FILE: Final = "data.json"  # preprocess: {"data_version": "sha256:...", ...}
EVALUATION_FILE: Final = "evaluation.json"  # evaluate: Studio's regression_metrics format
SAMPLE_PAYLOAD_FILE: Final = "sample_payload.json"  # evaluate: list of JSON request bodies
METRICS: Final = ("rmse", "mae", "r2")


class HyperparameterError(ValueError):
    """A hyperparameter is unknown or outside the range train.py accepts."""


def sklearn_image_uri(region: str) -> str:
    """The scikit-learn container image for ``region`` (training, processing and serving)."""
    if region not in SKLEARN_IMAGE_ACCOUNTS:
        raise ValueError(f"the SageMaker scikit-learn image is not published in region {region!r}")
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return (
        f"{SKLEARN_IMAGE_ACCOUNTS[region]}.dkr.ecr.{region}.{suffix}/{SKLEARN_REPOSITORY}:{SKLEARN_IMAGE_TAG}"
    )


def resolve_hyperparameters(overrides: Mapping[str, int | None] | None = None) -> dict[str, int]:
    """Defaults with ``overrides`` applied (``None`` keeps the default), checked against the bounds."""
    values = {name: default for name, (default, _low, _high) in HYPERPARAMETERS.items()}
    for name, value in (overrides or {}).items():
        if name not in HYPERPARAMETERS:
            raise HyperparameterError(f"unknown hyperparameter {name!r}; known: {', '.join(HYPERPARAMETERS)}")
        if value is not None:
            values[name] = value
    for name, value in values.items():
        _default, low, high = HYPERPARAMETERS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise HyperparameterError(f"invalid {name} {value!r}: expected an integer from {low} to {high}")
    return values
