"""The boto3 clients the deployer uses, made once per Lambda container."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

# Standard retry mode backs off on throttling and transient errors; after that the event is retried as a
# whole by Lambda and finally lands in the dead-letter queue.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=60)
# Verification retries InvokeEndpoint itself, within its one time bound (``verification``), so the client
# makes one attempt; a sample slower than the read timeout is far over any latency budget anyway.
_RUNTIME_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=20
)


# One loader for every session this process makes: botocore caches the service models it parsed per loader,
# and a fresh session's own loader parses SageMaker's whole JSON model again for its first client (~60 ms).
# The models are read-only data; credentials, region and configuration stay each session's own.
_MODELS = botocore.loaders.create_loader()


def session(region: str | None = None) -> boto3.session.Session:
    """A new boto3 session (its own credentials and region) that shares this process's parsed models."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _MODELS)
    return boto3.session.Session(botocore_session=core, region_name=region)


@dataclass(frozen=True)
class Clients:
    sagemaker: Any
    runtime: Any  # sagemaker-runtime, to invoke the staging endpoint
    s3: Any
    sns: Any
    cloudwatch: Any  # ModelLatency of the staging endpoint, which verification judges


def default_clients() -> Clients:
    """Clients for the current region and endpoint URL, cached so warm invocations reuse connections."""
    return _cached(
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        os.environ.get("AWS_ENDPOINT_URL"),
        os.environ.get("AWS_ACCESS_KEY_ID"),
    )


@functools.lru_cache(maxsize=4)
def _cached(region: str | None, endpoint_url: str | None, access_key_id: str | None) -> Clients:
    # The endpoint URL and key are part of the key so the embedded AWS and real AWS (or two runs of the
    # local server, each with its own credentials) never share a client.
    del endpoint_url, access_key_id  # boto3 reads AWS_ENDPOINT_URL and the credentials itself
    made = session(region)
    return Clients(
        sagemaker=made.client("sagemaker", config=_CONFIG),
        runtime=made.client("sagemaker-runtime", config=_RUNTIME_CONFIG),
        s3=made.client("s3", config=_CONFIG),
        sns=made.client("sns", config=_CONFIG),
        cloudwatch=made.client("cloudwatch", config=_CONFIG),
    )
