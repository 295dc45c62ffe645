"""Test helpers for serving on the embedded AWS: a model archive, and a model with its endpoint config."""

from __future__ import annotations

import io
import tarfile
from typing import Any


def model_tar(files: dict[str, str]) -> bytes:
    """A ``model.tar.gz`` holding ``files`` (archive path -> text), as SageMaker downloads it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def model_with_config(
    sm: Any, *, model: str, config: str, container: dict[str, Any], role: str, instances: int = 1
) -> None:
    """CreateModel with ``container``, then a one-variant endpoint config serving it."""
    sm.create_model(ModelName=model, ExecutionRoleArn=role, PrimaryContainer=container)
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InitialInstanceCount": instances,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": 1.0,
            }
        ],
    )
