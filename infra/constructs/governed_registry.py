"""``GovernedRegistry``: a SageMaker Model Package Group with the storage, key, topic and governance around it.

Named apart from ``modelops.registry.ModelRegistry``, the client that reads and writes its versions.

Stateful pieces (group, buckets, key) are retained when the stack is deleted: model versions and their
artifacts are the record of what was trained and served, and must outlive any stack.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.constructs.governance import artifacts, humans, notifications
from infra.constructs.governance.pipeline import pipeline_register_statement
from modelops.contract import lifecycle, names

# What a reader of the registry may do. CreateModel is listed because a cross-account reader deploys a
# version by creating a model from the package ARN in its own account.
_READ_ACTIONS = (
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
    "sagemaker:ListTags",
)
_CROSS_ACCOUNT_READ_ACTIONS = (
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
    "sagemaker:CreateModel",
)


class GovernedRegistry(Construct):
    """A versioned, governed model registry.

    Props:
        model_package_group_name: the group's name (SageMaker's naming rule is checked by the stage settings).
        description: shown in Studio next to the group.
        reader_account_ids: accounts that may read versions and create models from them (cross-account
            deployment); none by default, which means no resource policy at all.
        notification_email: subscribed to the lifecycle topic when given (the address must confirm).
        group_tags: extra tags on the group, e.g. the ``sagemaker:project-*`` tags that make Studio list it
            under a SageMaker project.
        noncurrent_version_retention: how long superseded artifact object versions are kept.
        endpoint_name_prefix: the project whose two endpoints (``<prefix>-staging``, ``<prefix>-production``)
            serve this registry's versions; readers may describe them (``modelops status`` compares what
            they serve with what the registry says), and that project's alarms may notify the topic.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        model_package_group_name: str,
        description: str,
        reader_account_ids: Sequence[str] = (),
        notification_email: str | None = None,
        group_tags: dict[str, str] | None = None,
        noncurrent_version_retention: cdk.Duration | None = None,
        endpoint_name_prefix: str | None = None,
        job_output_writer_role_names: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        # Construct IDs (Key, AccessLogBucket, ArtifactBucket, LifecycleTopic, Group) are the logical IDs of
        # retained resources: renaming one would orphan the deployed resource (tests/infra pin them).
        self.key: kms.IKey = kms.Key(
            self,
            "Key",
            description=f"Encrypts the artifacts and notifications of model package group {model_package_group_name}",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.access_log_bucket, self.artifact_bucket = self._buckets(noncurrent_version_retention)
        self.topic: sns.ITopic = self._topic(model_package_group_name, notification_email)
        if endpoint_name_prefix:
            self._accept_alarms(endpoint_name_prefix)
        # Model artifacts are written once and never replaced or deleted, by anyone (governance.artifacts),
        # except that the roles SageMaker uploads job outputs as cannot send the conditional header.
        writers = [
            stack.format_arn(service="iam", region="", resource="role", resource_name=name)
            for name in job_output_writer_role_names
        ]
        for statement in artifacts.pinned_artifact_statements(self.artifact_bucket, writers):
            self.artifact_bucket.add_to_resource_policy(statement)
        self._grant_readers_artifacts(reader_account_ids)
        group = sagemaker.CfnModelPackageGroup(
            self,
            "Group",
            model_package_group_name=model_package_group_name,
            model_package_group_description=description,
            model_package_group_policy=self._cross_account_policy(
                model_package_group_name, reader_account_ids
            ),
            tags=[cdk.CfnTag(key=k, value=v) for k, v in sorted((group_tags or {}).items())],
        )
        group.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self._group = group
        self.model_package_group_name: str = model_package_group_name
        self.model_package_group_arn: str = group.attr_model_package_group_arn
        self._endpoint_arns = (
            [
                stack.format_arn(
                    service="sagemaker",
                    resource="endpoint",
                    resource_name=names.endpoint_name(endpoint_name_prefix, environment),
                )
                for environment in names.ENVIRONMENTS
            ]
            if endpoint_name_prefix
            else []
        )
        # Versions are named <group>/<n>; IAM needs the package ARN pattern, not the group ARN.
        self.model_package_arn_pattern: str = stack.format_arn(
            service="sagemaker", resource="model-package", resource_name=f"{model_package_group_name}/*"
        )

    def _buckets(self, noncurrent_version_retention: cdk.Duration | None) -> tuple[s3.IBucket, s3.IBucket]:
        """The artifact bucket (KMS, versioned) and the bucket its server access logs go to."""
        access_logs = s3.Bucket(
            self,
            "AccessLogBucket",
            # S3 server access logging can only deliver to SSE-S3 buckets, not SSE-KMS ones.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            # Object ownership is left to CDK: it depends on whether logs are delivered through a bucket
            # policy (the feature flag in cdk.json) or the legacy log-delivery ACL.
            removal_policy=cdk.RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-old-access-logs",
                    expiration=cdk.Duration.days(365),
                    noncurrent_version_expiration=cdk.Duration.days(30),
                )
            ],
        )
        artifacts = s3.Bucket(
            self,
            "ArtifactBucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="artifact-bucket/",
            removal_policy=cdk.RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-superseded-artifact-versions",
                    noncurrent_version_expiration=noncurrent_version_retention or cdk.Duration.days(90),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
        )
        return access_logs, artifacts

    def _topic(self, group_name: str, notification_email: str | None) -> sns.ITopic:
        """The lifecycle topic, encrypted with the registry key."""
        topic = sns.Topic(
            self,
            "LifecycleTopic",
            display_name=f"Model lifecycle: {group_name}",
            master_key=self.key,
            enforce_ssl=True,
        )
        if notification_email is not None:
            topic.add_subscription(subscriptions.EmailSubscription(notification_email))
        return topic

    def _accept_alarms(self, project: str) -> None:
        """The project's CloudWatch alarms (rollback and dead-letter) may publish to the topic, and use the
        key to encrypt the message; no other alarm may."""
        stack = cdk.Stack.of(self)
        alarms = [
            stack.format_arn(
                service="cloudwatch",
                resource="alarm",
                resource_name=pattern,
                arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
            )
            for pattern in names.alarm_name_patterns(project)
        ]
        self.topic.add_to_resource_policy(
            notifications.alarm_publish_statement(self.topic.topic_arn, stack.account, alarms)
        )
        self.key.add_to_resource_policy(notifications.alarm_key_statement(stack.account, alarms))

    def _grant_readers_artifacts(self, account_ids: Sequence[str]) -> None:
        """A reader deploys a version by creating a model in its own account, whose execution role then
        downloads the artifact: it needs the model artifacts (only) and the key to decrypt them through S3."""
        if not account_ids:
            return
        principals: list[iam.IPrincipal] = [iam.AccountPrincipal(account) for account in account_ids]
        for statement in artifacts.cross_account_reader_statements(self.artifact_bucket, principals):
            self.artifact_bucket.add_to_resource_policy(statement)
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CrossAccountDecryptModelArtifacts",
                principals=principals,
                actions=["kms:Decrypt"],
                resources=["*"],  # in a key policy "*" means this key
                conditions={"StringEquals": {"kms:ViaService": f"s3.{cdk.Aws.REGION}.{cdk.Aws.URL_SUFFIX}"}},
            )
        )

    @staticmethod
    def _cross_account_policy(group_name: str, account_ids: Sequence[str]) -> dict[str, object] | None:
        if not account_ids:
            return None
        stack_partition = cdk.Aws.PARTITION
        principals = [f"arn:{stack_partition}:iam::{account}:root" for account in account_ids]
        return {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "CrossAccountReadOnly",
                    "Effect": "Allow",
                    "Principal": {"AWS": principals},
                    "Action": list(_CROSS_ACCOUNT_READ_ACTIONS),
                    "Resource": [
                        f"arn:{stack_partition}:sagemaker:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:"
                        f"model-package-group/{group_name}",
                        f"arn:{stack_partition}:sagemaker:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:"
                        f"model-package/{group_name}/*",
                    ],
                }
            ],
        }

    def acknowledge_version_wildcard(self, scope: Construct) -> None:
        """cdk-nag: the only wildcard a registry policy needs is the version number of a package ARN."""
        cdk.Validations.of(scope).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:"
                f"<AWS::AccountId>:model-package/{self.model_package_group_name}/*]",
                reason=(
                    "Model package ARNs are <group>/<version> and versions are created after deployment, so "
                    "they cannot be listed; the wildcard covers only the version number inside this one group "
                    "of this account and region."
                ),
            )
        )

    @property
    def _registry_resources(self) -> list[str]:
        return [self.model_package_group_arn, self.model_package_arn_pattern]

    def _read_statements(self) -> list[iam.PolicyStatement]:
        statements = [
            iam.PolicyStatement(
                sid="ReadRegistry", actions=list(_READ_ACTIONS), resources=self._registry_resources
            ),
            # Search (how `production`/`staging` resolve in one call) has no resource-level permissions.
            iam.PolicyStatement(sid="SearchRegistry", actions=["sagemaker:Search"], resources=["*"]),
        ]
        if self._endpoint_arns:
            statements.append(
                iam.PolicyStatement(
                    sid="ReadServingEndpoints",
                    actions=["sagemaker:DescribeEndpoint", "sagemaker:ListTags"],
                    resources=list(self._endpoint_arns),
                )
            )
        return statements

    def _acknowledge_read_wildcards(self, scope: Construct) -> None:
        acknowledgments = [
            (
                "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                "sagemaker:Search supports no resource-level permissions (Service Authorization Reference); "
                "it is read-only, and Describe permissions still scope what a reader can open.",
            )
        ]
        for ack_id, reason in acknowledgments:
            cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=ack_id, reason=reason))

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Describe and list the group's versions, and read their artifacts."""
        grant = iam.Grant.add_to_principal(
            grantee=grantee, actions=list(_READ_ACTIONS), resource_arns=self._registry_resources
        )
        for statement in self._read_statements()[1:]:
            grantee.grant_principal.add_to_principal_policy(statement)
        self.artifact_bucket.grant_read(grantee)
        return grant

    def grant_register(
        self,
        grantee: iam.IGrantable,
        *,
        approval_statuses: Sequence[str] = (lifecycle.PENDING,),
        artifacts_prefix: str = "*",
    ) -> iam.Grant:
        """Register new versions with one of ``approval_statuses`` only (pending, by default: no approval
        rights), in Development if a stage is given, with none of the system's evidence; and read and write
        artifacts under ``artifacts_prefix`` (new model artifacts only: the bucket policy refuses replacing
        or deleting one)."""
        self.artifact_bucket.grant_read_write(grantee, artifacts_prefix)
        register = pipeline_register_statement(self._registry_resources, approval_statuses)
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=register.actions,
            resource_arns=register.resources,
            conditions=register.conditions,
        )

    def grant_approve(self, grantee: iam.IGrantable) -> iam.Grant:
        """Approve, reject, promote a version that passed staging, ask for a rollback (the approver's rights,
        with the same explicit denies as ``approver_policy``)."""
        approve, *rest = humans.approver_statements(
            self.model_package_group_arn, self.model_package_arn_pattern
        )
        grant = iam.Grant.add_to_principal(
            grantee=grantee,
            actions=approve.actions,
            resource_arns=approve.resources,
            conditions=approve.conditions,
        )
        for statement in rest:
            grantee.grant_principal.add_to_principal_policy(statement)
        return grant

    def data_scientist_policy(
        self, scope: Construct, construct_id: str, *, pipeline_names: Sequence[str] = ()
    ) -> iam.ManagedPolicy:
        """Register pending versions in Development and annotate them; start the training pipelines
        ``pipeline_names``; never approve, move a stage, write the system's evidence or touch a version the
        system has moved (``infra.constructs.governance.humans``)."""
        stack = cdk.Stack.of(self)
        pipelines = [
            stack.format_arn(service="sagemaker", resource="pipeline", resource_name=n)
            for n in pipeline_names
        ]
        policy = iam.ManagedPolicy(
            scope,
            construct_id,
            description=f"Data scientists of {self.model_package_group_name}: register, never approve or promote",
            statements=[
                *self._read_statements(),
                *humans.data_scientist_statements(
                    self.model_package_group_arn, self.model_package_arn_pattern, pipelines
                ),
            ],
        )
        self.acknowledge_version_wildcard(policy)
        self._acknowledge_read_wildcards(policy)
        return policy

    def data_scientist_artifacts_policy(self, scope: Construct, construct_id: str) -> iam.ManagedPolicy:
        """The data scientist's MLflow artifacts, a policy of its own beside ``data_scientist_policy`` (IAM's
        6,144 characters per managed policy leave no room for it there); exported as
        ``DataScientistArtifactsPolicyArn``, attached wherever the data-scientist policy is (the managed MLflow's
        ``DataScientistMlflowPolicy`` is another: it exists only where the stage runs that server)."""
        policy = iam.ManagedPolicy(
            scope,
            construct_id,
            description=f"MLflow artifacts of {self.model_package_group_name}'s data scientists: their prefixes only",
        )
        # The MLflow path (DESIGN.md, "MLflow"): the data scientist's own client writes a run's artifacts under
        # mlflow/ and the store writes the serving archive under pipelines/mlflow/ (written once: the bucket
        # policy's DenyReplacingModelArtifacts), then reads them back to register and load. ListBucket is
        # scoped with s3:prefix, the condition key the S3 User Guide documents for it ("Bucket policy
        # examples using condition keys"); the key is the bucket's SSE-KMS key.
        policy.add_statements(
            iam.PolicyStatement(
                sid="WriteMlflowArtifacts",
                actions=["s3:PutObject", "s3:GetObject"],
                resources=[
                    self.artifact_bucket.arn_for_objects("mlflow/*"),
                    self.artifact_bucket.arn_for_objects("pipelines/mlflow/*"),
                ],
            ),
            iam.PolicyStatement(
                sid="ListMlflowArtifacts",
                actions=["s3:ListBucket"],
                resources=[self.artifact_bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": ["mlflow/*", "pipelines/mlflow/*"]}},
            ),
            iam.PolicyStatement(
                sid="UseArtifactKey",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[self.key.key_arn],
            ),
        )
        bucket = cdk.Stack.of(self).get_logical_id(self.artifact_bucket.node.default_child)  # type: ignore[arg-type]
        for prefix in ("mlflow", "pipelines/mlflow"):
            cdk.Validations.of(policy).acknowledge(
                cdk.Acknowledgment(
                    id=f"AwsSolutions::AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{prefix}/*]",
                    reason=(
                        "MLflow names a run's artifacts by run and model ids made at logging time; the wildcard "
                        f"covers only the {prefix}/ prefix of the artifact bucket, where MLflow and the store write."
                    ),
                )
            )
        return policy

    def approver_policy(self, scope: Construct, construct_id: str) -> iam.ManagedPolicy:
        """Approve or reject versions, promote one that passed staging, ask for a rollback to one production
        served; never the system's evidence, never what production serves (``governance.humans``)."""
        policy = iam.ManagedPolicy(
            scope,
            construct_id,
            description=f"Approvers of {self.model_package_group_name}: approve, reject, promote to Production",
            statements=[
                *self._read_statements(),
                *humans.approver_statements(self.model_package_group_arn, self.model_package_arn_pattern),
            ],
        )
        self.acknowledge_version_wildcard(policy)
        self._acknowledge_read_wildcards(policy)
        return policy
