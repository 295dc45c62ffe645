"""RegistryStack: the model package group and what every other stack builds on."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from infra.constructs.governed_registry import GovernedRegistry
from modelops.contract import names
from modelops.contract.settings import StageSettings


class RegistryStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: StageSettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.registry = GovernedRegistry(
            self,
            "ModelRegistry",
            model_package_group_name=settings.model_package_group_name,
            description=f"Versions of the {settings.project_name} model; approval deploys to staging",
            reader_account_ids=settings.reader_account_ids,
            notification_email=settings.notification_email,
            group_tags={**settings.resource_tags, **settings.sagemaker_project_tags},
            endpoint_name_prefix=settings.project_name,
            job_output_writer_role_names=[names.pipeline_role_name(settings.project_name)],
        )
        self.data_scientist_policy = self.registry.data_scientist_policy(self, "DataScientistPolicy")
        self.approver_policy = self.registry.approver_policy(self, "ApproverPolicy")

        outputs = {
            "ModelPackageGroupName": self.registry.model_package_group_name,
            "ModelPackageGroupArn": self.registry.model_package_group_arn,
            "ArtifactBucketName": self.registry.artifact_bucket.bucket_name,
            "ArtifactKeyArn": self.registry.key.key_arn,
            "LifecycleTopicArn": self.registry.topic.topic_arn,
            "DataScientistPolicyArn": self.data_scientist_policy.managed_policy_arn,
            "ApproverPolicyArn": self.approver_policy.managed_policy_arn,
        }
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)
