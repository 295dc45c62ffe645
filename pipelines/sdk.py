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
from sagemaker.core.workflow.pipeline_context import PipelineSession


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
