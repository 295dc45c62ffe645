"""A content-addressed cache of the training pipeline's definition, so a synth need not import the SDK.

Building the definition costs the SageMaker SDK's import (seconds) and its build; the result is a pure
function of the build's inputs and of the code and packages that produce it. The cache key hashes all of
them: the inputs as JSON, every source file of ``pipelines``, ``modelops`` and ``infra`` (any of them may
shape the definition, and hashing a hundred small files costs milliseconds), and ``uv.lock`` (every pinned
package version, the SDK's included). The same commit with the same lock therefore always gets the same
bytes, cached or not; ``tests/infra/test_synth.py`` compares the two. Entries live under ``build/`` (never
committed) and are written by an atomic rename, so concurrent synths (pytest workers) never read half a
file. ``MODELOPS_SYNTH_CACHE=off`` bypasses the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = _ROOT / "build" / "pipeline-definition"
_SOURCE_TREES = ("pipelines", "src/modelops", "infra")
_LOCK_FILE = _ROOT / "uv.lock"
DISABLE_VARIABLE = "MODELOPS_SYNTH_CACHE"


def enabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "on").lower() not in ("off", "0", "false", "no")


@cache
def sources_digest() -> str:
    """A hash of every file that can shape the definition (read once per process)."""
    digest = hashlib.sha256()
    for tree in _SOURCE_TREES:
        for path in sorted((_ROOT / tree).rglob("*.py")):
            digest.update(str(path.relative_to(_ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    if _LOCK_FILE.is_file():
        digest.update(_LOCK_FILE.read_bytes())
    return digest.hexdigest()[:20]


def entry_for(inputs: Mapping[str, Any]) -> Path:
    """Where the definition for ``inputs`` is cached."""
    inputs_digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=repr).encode()).hexdigest()
    return CACHE_DIR / f"{sources_digest()}-{inputs_digest[:20]}.json"


def cached_definition(inputs: Mapping[str, Any], build: Callable[[], str]) -> str:
    """The definition for ``inputs``: read from the cache, or built by ``build()`` and stored."""
    if not enabled():
        return build()
    entry = entry_for(inputs)
    if entry.is_file():
        return entry.read_text(encoding="utf-8")
    body = build()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(prefix=".partial-", dir=CACHE_DIR)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(body)
    os.replace(partial, entry)
    return body
