"""The embedded AWS refuses duplicate model, endpoint config and endpoint names, as SageMaker does."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from modelops.local.embedded import embedded_aws
from modelops.local.patches import registry
from tests.local.serving import model_with_config

ROLE = "arn:aws:iam::123456789012:role/sagemaker"


def test_creating_a_model_config_or_endpoint_under_an_existing_name_is_refused_not_overwritten() -> None:
    with embedded_aws(None) as aws:
        sm = aws.client("sagemaker")
        model_with_config(sm, model="m", config="c", container={"Image": "first"}, role=ROLE)
        sm.create_endpoint(EndpointName="e", EndpointConfigName="c")

        with pytest.raises(
            ClientError, match=r'Cannot create already existing model "arn:aws:sagemaker:.*:model/m"'
        ):
            sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "second"})
        with pytest.raises(ClientError, match="Cannot create already existing endpoint configuration"):
            model_with_config(sm, model="m2", config="c", container={"Image": "second"}, role=ROLE)
        with pytest.raises(ClientError, match="Cannot create already existing endpoint"):
            sm.create_endpoint(EndpointName="e", EndpointConfigName="c")

        assert sm.describe_model(ModelName="m")["PrimaryContainer"]["Image"] == "first"
        variant = sm.describe_endpoint_config(EndpointConfigName="c")["ProductionVariants"][0]
        assert variant["ModelName"] == "m"


def test_the_refusal_is_undone_when_the_embedded_aws_stops() -> None:
    group = registry()["unique_names"]
    with embedded_aws(None):
        assert group.applied
    assert not group.applied
