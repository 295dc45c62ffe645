"""Run a model version's own serving code, as the scikit-learn serving container would.

The embedded AWS's InvokeEndpoint calls ``run_inference`` with the ``ModelDataUrl`` and ``Environment``
of the container the endpoint serves; before an endpoint reports ``InService`` it calls ``preload``, which
loads the model into the same cache, as SageMaker loads it before an endpoint takes traffic. The artifact is downloaded from (emulated) S3, unpacked once per
URL and ETag, its ``code/<SAGEMAKER_PROGRAM>`` is imported as a module of its own, and the four
functions of the serving contract answer the request. A version whose serving code cannot import, load
its model, parse the request or predict fails here for the same reason it would fail on SageMaker.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import ClientError

CONTRACT = ("model_fn", "input_fn", "predict_fn", "output_fn")
# Where the container unpacks model.tar.gz; SAGEMAKER_SUBMIT_DIRECTORY points inside it.
CONTAINER_MODEL_DIR = "/opt/ml/model"
CACHE_ROOT = Path(tempfile.gettempdir()) / "modelops-inference"


def _s3() -> Any:
    # Keyed on the credentials and endpoint read now: the local server makes its credentials when it
    # starts, and boto3's default session would keep the first ones it resolved. One client per key, since
    # a new session per invocation costs more than the model's own latency.
    return _s3_for(os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_ENDPOINT_URL"))


@functools.lru_cache(maxsize=4)
def _s3_for(access_key_id: str | None, endpoint_url: str | None) -> Any:
    del access_key_id, endpoint_url  # the session reads them from the environment itself
    from modelops.deploy.clients import session as shared_models_session

    return shared_models_session().client("s3")


class InferenceError(Exception):
    """An invocation cannot be answered; the message gives the real reason."""


class ModelArtifactError(InferenceError):
    """The model artifact cannot be downloaded or unpacked, or names serving code it does not hold."""


class ServingCodeError(InferenceError):
    """The version's serving code failed: import, model_fn, input_fn, predict_fn or output_fn."""


@dataclass(frozen=True)
class Loaded:
    module: ModuleType
    model: Any


_lock = threading.Lock()
_loaded: dict[str, Loaded] = {}


@dataclass(frozen=True)
class Answer:
    """One request's answer and the serving code's own time for it (what SageMaker's ModelLatency counts)."""

    body: bytes
    content_type: str
    model_latency_us: int


def run_inference(
    model_data_url: str,
    environment: dict[str, str] | None,
    body: bytes,
    content_type: str,
    accept: str | None,
    s3_client: Any = None,
) -> tuple[bytes, str]:
    """Answer one request with the serving code inside ``model_data_url``; returns (body, content type)."""
    answer = serve(model_data_url, environment, body, content_type, accept, s3_client)
    return answer.body, answer.content_type


def serve(
    model_data_url: str,
    environment: dict[str, str] | None,
    body: bytes,
    content_type: str,
    accept: str | None,
    s3_client: Any = None,
    loaded: Loaded | None = None,
) -> Answer:
    """Answer one request, timing the serving code alone (input_fn, predict_fn, output_fn).

    SageMaker's ModelLatency is "the interval of time taken by a model to respond as viewed from SageMaker"
    (the container's inference and the local hop to it); here the container is these three calls, so the
    emulator's own work (request parsing, resolving the endpoint, the cache lookup) is outside the interval.

    ``loaded``: what the endpoint loaded before it went InService (``preload``). SageMaker's instances
    download the artifact once and serve that copy, so such an invocation asks S3 nothing (a HeadObject per
    invocation, through moto, was most of the emulator's own cost); without it the artifact is looked up.
    """
    env = environment or {}
    loaded = loaded or _load(model_data_url, env, s3_client)
    wanted = accept or "application/json"
    started = time.perf_counter()
    data = _call(loaded.module, "input_fn", body, content_type)
    prediction = _call(loaded.module, "predict_fn", data, loaded.model)
    result = _call(loaded.module, "output_fn", prediction, wanted)
    model_latency_us = round((time.perf_counter() - started) * 1_000_000)
    payload, answered_type = result if isinstance(result, tuple) else (result, wanted)
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if not isinstance(payload, (bytes, bytearray)):
        raise ServingCodeError(f"output_fn returned {type(payload).__name__}; it must return str or bytes")
    return Answer(bytes(payload), str(answered_type), model_latency_us)


def preload(model_data_url: str, environment: Mapping[str, str]) -> Loaded:
    """Download and unpack the artifact, import its serving code and run ``model_fn`` now, into the cache
    ``run_inference`` answers from. Raises what ``run_inference`` would: a failed load is not cached, so
    every later invocation tries again and fails for the same, real reason."""
    return _load(model_data_url, dict(environment), None)


def serving_key(model_data_url: str, env: Mapping[str, str]) -> tuple[str, str, str]:
    """What identifies one loaded model of an endpoint: the artifact and the program it runs."""
    return (model_data_url, *_program(env))


def _program(env: Mapping[str, str]) -> tuple[str, str]:
    """(SAGEMAKER_SUBMIT_DIRECTORY, SAGEMAKER_PROGRAM) with the container's defaults."""
    return env.get("SAGEMAKER_SUBMIT_DIRECTORY", f"{CONTAINER_MODEL_DIR}/code"), env.get(
        "SAGEMAKER_PROGRAM", "inference.py"
    )


def _call(module: ModuleType, name: str, *args: Any) -> Any:
    try:
        return getattr(module, name)(*args)
    except Exception as error:  # the serving code is foreign code: any failure is its failure
        raise ServingCodeError(f"{name} failed: {type(error).__name__}: {error}") from error


def _load(model_data_url: str, env: dict[str, str], s3_client: Any) -> Loaded:
    bucket, key = _parse_s3(model_data_url)
    s3_client = s3_client or _s3()
    try:
        etag = s3_client.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    except ClientError as error:
        code = error.response["Error"].get("Code", "")
        raise ModelArtifactError(f"model artifact {model_data_url} cannot be read ({code})") from None
    submit_dir, program = _program(env)
    cache_key = hashlib.sha256(f"{model_data_url}\0{etag}\0{submit_dir}\0{program}".encode()).hexdigest()[:24]
    with _lock:
        if cache_key not in _loaded:
            model_dir = _unpack(s3_client, bucket, key, CACHE_ROOT / cache_key)
            code_dir = _code_dir(model_dir, submit_dir)
            module = _import(code_dir / program, f"modelops_serving_{cache_key}", code_dir)
            try:
                model = module.model_fn(str(model_dir))
            except Exception as error:  # foreign code, see _call
                raise ServingCodeError(f"model_fn failed: {type(error).__name__}: {error}") from error
            _loaded[cache_key] = Loaded(module=module, model=model)
        return _loaded[cache_key]


def _parse_s3(url: str) -> tuple[str, str]:
    parsed = urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc or not parsed.path.strip("/"):
        raise ModelArtifactError(f"model data URL {url!r} is not an s3://bucket/key URL")
    return parsed.netloc, parsed.path.lstrip("/")


def _unpack(s3_client: Any, bucket: str, key: str, target: Path) -> Path:
    done = target / ".unpacked"
    if done.is_file():
        return target / "model"
    target.mkdir(parents=True, exist_ok=True)
    archive = target / "model.tar.gz"
    s3_client.download_file(bucket, key, str(archive))
    try:
        with tarfile.open(archive) as tar:
            # The "data" filter refuses absolute paths, links out of the folder and device files.
            tar.extractall(target / "model", filter="data")
    except (tarfile.TarError, OSError) as error:
        raise ModelArtifactError(f"s3://{bucket}/{key} is not a readable model.tar.gz: {error}") from None
    done.touch()
    return target / "model"


def _code_dir(model_dir: Path, submit_dir: str) -> Path:
    if submit_dir.rstrip("/") == CONTAINER_MODEL_DIR or submit_dir.startswith(f"{CONTAINER_MODEL_DIR}/"):
        return model_dir / submit_dir[len(CONTAINER_MODEL_DIR) :].strip("/")
    raise ModelArtifactError(
        f"SAGEMAKER_SUBMIT_DIRECTORY {submit_dir!r} is outside {CONTAINER_MODEL_DIR}; the serving code must "
        "ship inside model.tar.gz"
    )


def _import(path: Path, module_name: str, code_dir: Path) -> ModuleType:
    if not path.is_file():
        raise ModelArtifactError(f"the model artifact holds no serving code {path.name} in its code/ folder")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ServingCodeError(f"cannot load serving code {path.name}")
    module = importlib.util.module_from_spec(spec)
    # The container puts the code folder on sys.path, so serving code may import its sibling files.
    sys.path.insert(0, str(code_dir))
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # foreign code, see _call
        raise ServingCodeError(
            f"serving code {path.name} failed to import: {type(error).__name__}: {error}"
        ) from error
    finally:
        sys.path.remove(str(code_dir))
    missing = [name for name in CONTRACT if not callable(getattr(module, name, None))]
    if missing:
        raise ServingCodeError(f"serving code {path.name} defines no {', '.join(missing)}")
    return module
