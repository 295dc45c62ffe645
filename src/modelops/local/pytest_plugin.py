"""pytest fixtures for the embedded AWS (registered from ``tests/conftest.py``).

``embedded_aws``: a fresh in-process embedded AWS per test. What it provisions comes from the fixture
``embedded_aws_cdk_out`` (default: nothing) and its options from ``embedded_aws_options`` (default: none);
a test module overrides either by defining a fixture of that name, e.g. to provision a synthesized app::

    @pytest.fixture
    def embedded_aws_cdk_out(synthesized_cdk_out):  # this project's tests/conftest.py synthesizes it
        return synthesized_cdk_out

The library never builds the CDK app itself (nothing imports ``infra``): a project's own conftest does.

The terminal summary counts the IAM evaluations the embedded AWS made during the run (every request it
served, decided against the provisioned policies) and how many it refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.local.iam.enforcement import LAYER

_WORKER_OUTPUT = "modelops_iam_evaluations"


@pytest.fixture
def embedded_aws_cdk_out() -> Path | None:
    """The cloud assembly the ``embedded_aws`` fixture provisions from; None provisions nothing."""
    return None


@pytest.fixture
def embedded_aws_options() -> dict[str, Any]:
    """Keyword arguments for ``embedded_aws`` (``endpoint_delay_seconds``, ``delivery``, ``region``)."""
    return {}


@pytest.fixture(name="embedded_aws")
def embedded_aws_fixture(
    embedded_aws_cdk_out: Path | None, embedded_aws_options: dict[str, Any]
) -> Iterator[EmbeddedAWS]:
    with embedded_aws(embedded_aws_cdk_out, **embedded_aws_options) as aws:
        yield aws


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: the controller adds the counts up and reports
        worker_output[_WORKER_OUTPUT] = (LAYER.evaluations, LAYER.refused)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    evaluations, refused = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT, (0, 0))
    LAYER.evaluations += evaluations
    LAYER.refused += refused


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    terminalreporter.write_line(
        f"iam: {LAYER.evaluations} requests evaluated by the embedded AWS, {LAYER.refused} refused"
    )
