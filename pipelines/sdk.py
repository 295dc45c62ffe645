"""Building a definition with the SageMaker SDK v3 offline: the session, telemetry and region settings.

The SDK resolves a region and validates the role at import and construction time; both are settled here,
before the first sagemaker import, or building a definition would look for credentials. Import this
module before any ``sagemaker`` module.
"""

from __future__ import annotations

import os

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("SAGEMAKER_VALIDATE_ROLE", "false")

import contextlib
import logging
import warnings
from collections.abc import Iterator

import boto3
import botocore.loaders
import botocore.session


def _one_loader_per_data_path() -> None:
    """Every botocore session of this process reads service models through one loader per data path.

    The SDK makes a dozen clients from five boto3 sessions while it imports and builds a definition (its
    default session, the pipeline session, two local sessions, the role resolver's), and each new session's
    own loader parses the same JSON models again: about 1 s of a 6 s build here (``python -m cProfile -m
    infra.pipeline_definition``). A loader only caches the read-only files it parsed (botocore.loaders), so
    sessions sharing it behave as before; a different AWS_DATA_PATH still gets its own. Set before the
    first sagemaker import, because some SDK modules make a client while they are imported."""
    loaders: dict[str | None, botocore.loaders.Loader] = {}
    create = botocore.loaders.create_loader

    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = create(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader


_one_loader_per_data_path()

from sagemaker.core.workflow.pipeline_context import PipelineSession  # noqa: E402  (after the loader)


class OfflinePipelineSession(PipelineSession):
    """A PipelineSession that never calls AWS for its bucket: the SDK would create one if missing."""

    def __init__(self, *, region: str, bucket: str) -> None:
        super().__init__(boto_session=boto3.Session(region_name=region), default_bucket=bucket)
        self._fixed_bucket = bucket

    def default_bucket(self) -> str:
        return self._fixed_bucket


@contextlib.contextmanager
def no_telemetry() -> Iterator[None]:
    """Keep the SDK from sending usage telemetry while it builds the definition.

    Opting out through a ``sagemaker_config`` dict works too, but makes every config lookup re-validate
    the whole schema (3-4x slower); replacing the sender for the duration of the build costs nothing.
    """
    from sagemaker.core.telemetry import telemetry_logging

    original = telemetry_logging._send_telemetry_request
    telemetry_logging._send_telemetry_request = lambda *args, **kwargs: None
    # The SDK narrates every field it drops from a pipeline definition, at levels it sets per module;
    # none of it is actionable here, and --print must write nothing but the definition.
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Running within a PipelineSession")
            yield
    finally:
        telemetry_logging._send_telemetry_request = original
        logging.disable(logging.NOTSET)


@contextlib.contextmanager
def default_region(region: str) -> Iterator[None]:
    """Give the SDK's own default sessions (it builds a local client to validate step arguments) the
    session's region. The import-time default is not enough: a caller that patched os.environ around the
    first import (the embedded AWS does) takes it away again when its block ends."""
    if os.environ.get("AWS_DEFAULT_REGION"):
        yield
        return
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        os.environ.pop("AWS_DEFAULT_REGION", None)
