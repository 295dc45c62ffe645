"""Build the deployer Lambdas' code bundle at synth time, with no Docker and no network.

The bundle holds exactly the modules the handlers import, found by importing them in a clean interpreter
and reading ``sys.modules``: our ``modelops`` modules, Powertools and what it imports (pure Python). The
standard library and what the Lambda Python runtime already ships (boto3 and its dependencies) are left
out. Vendoring Powertools rather than using the AWS-published layer ships the exact version the tests ran
(``pyproject.toml`` pins it), with no per-region layer ARN whose version for a new runtime we cannot check
offline. The output directory is named by a hash of its content and written by an atomic rename, so
concurrent synths never see a half-written bundle and the CDK asset hash is the same on every machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path

from infra import BUILD_ROOT
from modelops.contract.names import HANDLER_PACKAGE, HANDLERS

# Provided by the Lambda Python runtime; shipping our own copies would only add size and version skew.
# certifi is listed too: botocore uses it when present and falls back to its own CA bundle, and copying
# only its .py files (without cacert.pem) would break TLS.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six", "certifi"}
)
# Must never reach a Lambda (the design says so); the builder fails loudly if an import drags one in.
FORBIDDEN = frozenset({"sagemaker", "moto", "aws_cdk", "constructs", "jsii", "cdk_nag", "sklearn", "numpy"})

BUILD_DIR = BUILD_ROOT / "lambda"

_PROBE = """
import importlib, json, sys
before = set(sys.modules)
for name in sys.argv[1:]:
    importlib.import_module(name)
found = {}
for name, module in sorted(sys.modules.items()):
    if name in before:  # loaded by the interpreter's start-up (site, .pth files), not by the handlers
        continue
    origin = getattr(getattr(module, "__spec__", None), "origin", None)
    if origin and origin not in ("built-in", "frozen") and module is not None:
        found[name] = [origin, hasattr(module, "__path__")]
print(json.dumps(found))
"""


class BundleError(RuntimeError):
    """The handlers import something that cannot or must not be bundled."""


def handler_modules() -> list[str]:
    return [f"{HANDLER_PACKAGE}.{name}" for name in HANDLERS]


def imported_files(modules: list[str]) -> dict[str, Path]:
    """Bundle-relative path -> source file, for every non-stdlib, non-runtime module the handlers import."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules], capture_output=True, text=True, env=env, check=False
    )
    if probe.returncode != 0:
        raise BundleError(f"importing the handlers failed:\n{probe.stderr.strip()}")
    files: dict[str, Path] = {}
    for name, (origin, is_package) in json.loads(probe.stdout).items():
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or top in RUNTIME_PROVIDED or top == "__main__":
            continue
        if top in FORBIDDEN:
            raise BundleError(f"the handlers import {name}, which must never reach a Lambda")
        source = Path(origin)
        if source.suffix != ".py":
            raise BundleError(f"{name} is a compiled extension ({source.name}); the bundle is pure Python")
        parts = name.split(".")
        relative = "/".join(parts) + "/__init__.py" if is_package else "/".join(parts) + ".py"
        files[relative] = source
    return files


@cache
def _handler_files() -> Future[dict[str, Path]]:
    # The probe is a subprocess: run from a thread, it overlaps the CDK's start-up on the other core. Once
    # per process (tests build the app many times); what the handlers import does not change meanwhile.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bundle-probe")
    future = pool.submit(imported_files, handler_modules())
    pool.shutdown(wait=False)  # the probe already submitted still runs to the end
    return future


def start_probe() -> None:
    """Start finding what the handlers import now, so ``build_bundle`` finds it done (``infra.__main__``)."""
    _handler_files()


def build_bundle(out_root: Path = BUILD_DIR) -> Path:
    """Write the bundle under ``out_root/<content hash>/`` (reused when it exists) and return that path."""
    files = _handler_files().result()
    digest = hashlib.sha256()
    for relative in sorted(files):
        digest.update(relative.encode() + b"\0" + files[relative].read_bytes() + b"\0")
    target = out_root / digest.hexdigest()[:16]
    if target.is_dir():
        return target
    out_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".partial-", dir=out_root))
    for relative in sorted(files):
        destination = staging / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(files[relative], destination)
    try:
        staging.rename(target)
    except OSError:  # another synth finished the same bundle first; theirs is identical
        shutil.rmtree(staging, ignore_errors=True)
    return target
