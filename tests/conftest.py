"""Fixtures shared by every test area: the embedded AWS (``embedded_aws``, from the library's plugin), every
SageMaker/EventBridge response checked against botocore's service model (``pytest_shape_check``), and the
whole CDK app synthesized once per session (``synthesized_cdk_out``, here: the library never imports
``infra``), and botocore's retry backoff without the wait (``retry_backoff_without_waiting``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import botocore.endpoint
import pytest

from tests.built_once import built_once

pytest_plugins = ["modelops.local.pytest_plugin", "modelops.local.pytest_shape_check"]


@pytest.fixture(scope="session")
def synthesized_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole CDK app synthesized once per test session, for every worker (offline, a few seconds)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app

    return built_once(tmp_path_factory, "cdk.out", lambda outdir: build_app(outdir=str(outdir)).synth())


@pytest.fixture(scope="session", autouse=True)
def retry_backoff_without_waiting() -> Iterator[None]:
    """botocore's clients retry a throttled call after a backoff (standard mode: up to 20 s a wait, so a
    handler whose three invocations each retry five times sleeps about a minute). The tests count attempts,
    outcomes and notices, never that wall time: the backoff is still computed and the attempts still made
    in order, only ``botocore.endpoint``'s sleep between them returns at once. Nothing else's clock moves."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.endpoint, "time", SimpleNamespace(**{**vars(time), "sleep": _no_wait}))
        yield


def _no_wait(seconds: float) -> None:
    del seconds


# The modules that take one worker longest, started first, longest first: pytest-xdist hands out modules in
# collection order, so a long module collected late runs alone at the end while the other worker has nothing
# left (tests/test_demo.py, two whole demo runs, once did). The order is each module's total time in a full
# run's JUnit report (`pytest --junitxml`, 2026-12-02: 149 s down to 57 s); every other module, each under
# 50 s, follows in collection order. A stale list costs only balance, never a test.
LONGEST_FIRST = (
    "tests/test_demo.py",
    "tests/mlflow/test_ui_registry_pages.py",
    "tests/deploy/test_faults.py",
    "tests/deploy/test_logic.py",
    "tests/mlflow/test_tracking_server.py",
    "tests/deploy/test_shadow_flow.py",
    "tests/mlflow/test_refusals.py",
    "tests/deploy/test_human_actions.py",
    "tests/mlflow/test_aliases.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    moved = [path for path in LONGEST_FIRST if not (config.rootpath / path).is_file()]
    if moved:  # renamed or removed: say so, rather than silently stop ordering it
        raise pytest.UsageError(f"tests/conftest.py's LONGEST_FIRST names no such module: {', '.join(moved)}")

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: every other test keeps its order
