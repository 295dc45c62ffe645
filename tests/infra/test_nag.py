"""cdk-nag runs on every synth: an unacknowledged finding fails it, and ours has none."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from cdk_nag import AwsSolutionsChecks

from tests.infra.synth import synth


def test_an_unacknowledged_finding_fails_synth() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Careless")
    s3.Bucket(stack, "PlainBucket")  # no TLS-only policy, no access logs: AwsSolutions-S1 and S10
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        app.synth()
    assert "AwsSolutions::AwsSolutions-S1'" in str(failure.value)
    assert "AwsSolutions::AwsSolutions-S10'" in str(failure.value)


def test_every_stack_synthesizes_with_no_unacknowledged_finding() -> None:
    app = synth()  # raises as above on any finding nobody acknowledged with a reason
    names = sorted(child.node.id for child in app.node.children if isinstance(child, cdk.Stack))
    assert names == ["modelops-deployment", "modelops-pipeline", "modelops-registry"]
