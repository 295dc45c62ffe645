"""``create_model_version``: an MLflow-logged model becomes a SageMaker model package version.

Order matters, so a refusal leaves nothing behind: the name, the group, the run and the model are checked
and the whole CreateModelPackage request is validated (``modelops.contract.registration``, the one request
builder every path uses) before anything is written; then the serving archive and sample payloads are
uploaded (written once, ``If-None-Match: *``, as the artifact bucket's policy demands of model artifacts);
then the one CreateModelPackage makes the version. If that last call fails, the uploaded objects stay (the
project deletes no artifact) but no version names them, and nothing exists on the MLflow side to clean up:
MLflow's registry *is* SageMaker's.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Final

from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.contract.registration import Registration, RegistrationError, registration_request
from modelops.contract.training import SAMPLE_PAYLOAD_FILE, SERVING_ENVIRONMENT, sklearn_image_uri
from modelops.mlflow_registry import conversion
from modelops.mlflow_registry.packaging import ServingArchive, build_archive
from modelops.mlflow_registry.provenance import Provenance, resolve
from modelops.registry import InvalidMetadataError, ModelRegistry, ModelVersion

# Serving archives of MLflow registrations sit where the pipeline's do (pipelines/<pipeline>/<execution>/
# model/), so the artifact bucket's write-once policy and the deployers' read grants cover them alike.
PREFIX: Final = "pipelines/mlflow"


def register(
    registry: ModelRegistry,
    s3: Any,
    tracking: Any,
    *,
    region: str,
    bucket: str | None,
    source: str,
    run_id: str | None,
    model_id: str | None,
    local_model_path: str | None,
    description: str | None,
) -> ModelVersion:
    """Register the MLflow model ``source`` as a new version of ``registry``'s group; returns it."""
    registry.group_arn  # noqa: B018 - an unknown group fails before anything else is read
    if not bucket:
        raise InvalidMetadataError(
            "no artifact bucket for the serving archive: add ?artifact_bucket=<bucket> to the registry URI "
            "or set MODELOPS_ARTIFACT_BUCKET (modelops local up prints both)"
        )
    provenance = resolve(tracking, source, run_id, model_id)
    archive = _archive(provenance, local_model_path)
    key = f"{PREFIX}/{provenance.experiment_id}/{provenance.model_id or provenance.run_id}/model"
    model_uri = f"s3://{bucket}/{key}/model.tar.gz"
    samples_uri = f"s3://{bucket}/{key}/{SAMPLE_PAYLOAD_FILE}" if archive.sample_bodies else None
    fields = _fields(region, provenance, model_uri, samples_uri or _default_samples(registry), description)
    try:  # the whole request, checked before any write
        registration_request(Registration(group_name=registry.group_name, **fields))
    except RegistrationError as error:
        raise InvalidMetadataError(f"the run cannot be registered as it is: {error}") from None
    _put_once(s3, bucket, f"{key}/model.tar.gz", archive.archive)
    if samples_uri is not None:
        _put_once(
            s3, bucket, f"{key}/{SAMPLE_PAYLOAD_FILE}", json.dumps(list(archive.sample_bodies)).encode()
        )
    return registry.register_version(**fields)


def _archive(provenance: Provenance, local_model_path: str | None) -> ServingArchive:
    if local_model_path and Path(local_model_path, "MLmodel").is_file():
        return build_archive(Path(local_model_path))
    import mlflow.artifacts

    with tempfile.TemporaryDirectory(prefix="modelops-mlflow-") as tmp:
        path = mlflow.artifacts.download_artifacts(artifact_uri=provenance.artifact_location, dst_path=tmp)
        return build_archive(Path(path))


def _fields(
    region: str,
    provenance: Provenance,
    model_uri: str,
    samples_uri: str | None,
    description: str | None,
) -> dict[str, Any]:
    properties = {
        conversion.META_RUN_ID: provenance.run_id,
        conversion.META_EXPERIMENT_ID: provenance.experiment_id,
        conversion.META_SOURCE: provenance.artifact_location,
    }
    if provenance.model_id:
        properties[conversion.META_MODEL_ID] = provenance.model_id
    return {
        "image": sklearn_image_uri(region),
        "model_data_url": model_uri,
        "environment": {**SERVING_ENVIRONMENT, "SAGEMAKER_REGION": region},
        "code_commit": provenance.code_commit,
        "data_version": provenance.data_version,
        "sample_payload_uri": samples_uri,
        "hyperparameters": dict(provenance.params),
        "metrics": dict(provenance.metrics),
        "properties": properties,
        "description": description or f"registered through MLflow from run {provenance.run_id}",
    }


def _default_samples(registry: ModelRegistry) -> str | None:
    """The group's default samples, for a run that logged no input example: the newest version's."""
    for version in registry.search_versions(limit=20):
        if version.properties.get(lifecycle.META_SAMPLE_PAYLOAD):
            return version.properties[lifecycle.META_SAMPLE_PAYLOAD]
    return None


def _put_once(s3: Any, bucket: str, key: str, body: bytes) -> None:
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, IfNoneMatch="*")
    except ClientError as error:
        # 412: an earlier attempt for the same logged model (keys are per model id) wrote it; it is kept.
        if error.response.get("Error", {}).get("Code") != "PreconditionFailed":
            raise
