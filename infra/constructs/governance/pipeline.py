"""What the training pipeline's role may register. It runs the data scientist's code (the step scripts and
whatever they import), so it gets no more than a data scientist: a pending version in Development, with
none of the system's evidence."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam

from infra.constructs.governance.keys import APPROVAL, STAGE, STATUS, absent, merge, metadata
from modelops.contract import lifecycle as lc


def pipeline_register_statement(resources: Sequence[str], statuses: Sequence[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid="RegisterVersionsInThisGroup",
        actions=["sagemaker:CreateModelPackage"],
        resources=list(resources),
        conditions=merge(
            {"StringEquals": {APPROVAL: list(statuses)}},
            # The SDK's RegisterModel step sends no ModelLifeCycle; one that is sent must be the start.
            {"StringEqualsIfExists": {STAGE: lc.STAGE_DEVELOPMENT, STATUS: lc.STATUS_REGISTERED}},
            absent(metadata(key) for key in lc.EVIDENCE_KEYS),
        ),
    )
