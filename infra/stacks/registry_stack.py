"""RegistryStack: the model package group and what every other stack builds on."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.audit_trail import AuditTrail
from infra.constructs.governance.humans import audit_log_denies
from infra.constructs.governance.shadow_reads import acknowledge_shadow_reads, shadow_read_statements
from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.managed_mlflow import ManagedMlflow, tracking_server_name
from infra.constructs.mlflow_registry_reader import MlflowRegistryReader
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
        self.audit_trail = AuditTrail(
            self,
            "AuditTrail",
            group_name=settings.model_package_group_name,
            project_name=settings.project_name,
            endpoint_names=[names.endpoint_name(settings.project_name, e) for e in names.ENVIRONMENTS],
            key=self.registry.key,
            topic=self.registry.topic,
            alarm_name=names.audit_dead_letter_alarm_name(settings.project_name),
            retention_days=settings.audit_log_retention_days,
        )
        self.data_scientist_policy = self.registry.data_scientist_policy(
            self, "DataScientistPolicy", pipeline_names=[names.pipeline_name(settings.project_name)]
        )
        self.data_scientist_artifacts_policy = self.registry.data_scientist_artifacts_policy(
            self, "DataScientistArtifactsPolicy"
        )
        self.approver_policy = self.registry.approver_policy(self, "ApproverPolicy")
        # People read the audit log (``modelops history``); none of them writes to it or deletes from it. A
        # policy of its own, attached to every person's role beside theirs: IAM's 6,144 characters per managed
        # policy leave no room for it in the approver's.
        trail = self.audit_trail
        self.people_audit_policy = iam.ManagedPolicy(
            self,
            "PeopleAuditLogPolicy",
            description=f"Everyone of {settings.project_name}: read the audit log, never write or delete it",
            statements=[trail.read_statement(), *audit_log_denies(trail.log_pattern, trail.rules_pattern)],
        )
        trail.acknowledge_streams(self.people_audit_policy)
        # ``modelops shadow status``'s reads, the approver's beside their policy (no room left in it).
        self.approver_shadow_policy = iam.ManagedPolicy(
            self,
            "ApproverShadowReadPolicy",
            description=f"Approvers of {settings.project_name}: follow a shadow test, read only",
            statements=shadow_read_statements(
                self, settings.project_name, self.registry.artifact_bucket, self.registry.key
            ),
        )
        acknowledge_shadow_reads(
            self.approver_shadow_policy, settings.project_name, self.registry.artifact_bucket
        )
        self.mlflow = self._managed_mlflow(settings) if settings.managed_mlflow else None
        # The identity of an MLflow server's registry pages (``modelops local up`` runs one): reads only.
        self.mlflow_registry_reader = MlflowRegistryReader(
            self, "MlflowRegistryReader", registry=self.registry
        )

        outputs = {
            "ModelPackageGroupName": self.registry.model_package_group_name,
            "ModelPackageGroupArn": self.registry.model_package_group_arn,
            "ArtifactBucketName": self.registry.artifact_bucket.bucket_name,
            "ArtifactKeyArn": self.registry.key.key_arn,
            "LifecycleTopicArn": self.registry.topic.topic_arn,
            "AuditLogGroupName": self.audit_trail.log_group_name,
            "AuditDeadLetterQueueUrl": self.audit_trail.dead_letter_queue.queue_url,
            "DataScientistPolicyArn": self.data_scientist_policy.managed_policy_arn,
            "DataScientistArtifactsPolicyArn": self.data_scientist_artifacts_policy.managed_policy_arn,
            "ApproverPolicyArn": self.approver_policy.managed_policy_arn,
            "PeopleAuditLogPolicyArn": self.people_audit_policy.managed_policy_arn,
            "ApproverShadowReadPolicyArn": self.approver_shadow_policy.managed_policy_arn,
            "MlflowRegistryReaderRoleArn": self.mlflow_registry_reader.role.role_arn,
        }
        if self.mlflow is not None:
            outputs["MlflowTrackingServerArn"] = self.mlflow.tracking_server_arn
            outputs["DataScientistMlflowPolicyArn"] = self.data_scientist_mlflow_policy.managed_policy_arn
        for name, value in outputs.items():
            cdk.CfnOutput(self, name, value=value)

    def _managed_mlflow(self, settings: StageSettings) -> ManagedMlflow:
        """The optional managed MLflow (tracking only), and the data scientists' use of it: a managed policy
        of its own, attached to their role beside theirs (their policy has no room for it under IAM's 6,144
        characters, and a stage without the server needs none of it)."""
        mlflow = ManagedMlflow(
            self,
            "ManagedMlflow",
            tracking_server_name=tracking_server_name(settings.project_name),
            bucket=self.registry.artifact_bucket,
            key=self.registry.key,
            size=settings.managed_mlflow_size,
            tags=settings.resource_tags,
        )
        self.data_scientist_mlflow_policy = iam.ManagedPolicy(
            self,
            "DataScientistMlflowPolicy",
            description=f"Data scientists of {settings.project_name}: track runs in MLflow, never its registry",
            statements=mlflow.data_scientist_statements(),
        )
        mlflow.acknowledge_prefix(self.data_scientist_mlflow_policy)
        return mlflow
