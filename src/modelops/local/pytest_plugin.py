"""pytest fixtures for the embedded AWS (registered from ``tests/conftest.py``).

``embedded_aws``: a fresh in-process embedded AWS per test. What it provisions comes from the fixture
``embedded_aws_cdk_out`` (default: nothing) and its options from ``embedded_aws_options`` (default: none);
a test module overrides either by defining a fixture of that name, e.g. to provision a synthesized app::

    @pytest.fixture
    def embedded_aws_cdk_out(synthesized_cdk_out):  # this project's tests/conftest.py synthesizes it
        return synthesized_cdk_out

The library never builds the CDK app itself (nothing imports ``infra``): a project's own conftest does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelops.local.embedded import EmbeddedAWS, embedded_aws


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
