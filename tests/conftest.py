"""Fixtures shared by every test area: the embedded AWS (``embedded_aws``, from the library's plugin), every
SageMaker/EventBridge response checked against botocore's service model (``pytest_shape_check``), and the
whole CDK app synthesized once per session (``synthesized_cdk_out``, here: the library never imports
``infra``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["modelops.local.pytest_plugin", "modelops.local.pytest_shape_check"]


@pytest.fixture(scope="session")
def synthesized_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole CDK app synthesized once per test session (offline, a few seconds)."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    build_app(outdir=str(outdir)).synth()
    return outdir
