"""A deployed stack upgrades in place: the retained resources keep their logical IDs.

The model package group, the buckets and the key are retained on deletion, and the topic is what every
subscription points at; a new logical ID would make CloudFormation create a second one and orphan the
first (for the group: every version in it). These IDs are API: the construct IDs under ``ModelRegistry``
(the registry stack's ``GovernedRegistry``) must stay as they are.
"""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from tests.infra.synth import synth, template

STATEFUL = {
    "AWS::SageMaker::ModelPackageGroup": {"ModelRegistryGroupC87F7ECA"},
    "AWS::S3::Bucket": {"ModelRegistryAccessLogBucket6A21E29D", "ModelRegistryArtifactBucket1AC643E6"},
    "AWS::KMS::Key": {"ModelRegistryKeyE0031AB6"},
    "AWS::SNS::Topic": {"ModelRegistryLifecycleTopicE18BF492"},
}


@pytest.fixture(scope="module")
def registry_template() -> Template:
    return template(synth(), "-registry")


@pytest.mark.parametrize(("resource_type", "logical_ids"), sorted(STATEFUL.items()))
def test_stateful_resources_keep_the_logical_ids_deployed_stacks_have(
    registry_template: Template, resource_type: str, logical_ids: set[str]
) -> None:
    assert set(registry_template.find_resources(resource_type)) == logical_ids


def test_the_group_buckets_and_key_are_retained(registry_template: Template) -> None:
    for resource_type in ("AWS::SageMaker::ModelPackageGroup", "AWS::S3::Bucket", "AWS::KMS::Key"):
        for logical_id, resource in registry_template.find_resources(resource_type).items():
            assert resource.get("DeletionPolicy") == "Retain", logical_id
            assert resource.get("UpdateReplacePolicy") == "Retain", logical_id
