"""``ManagedMlflow``: SageMaker's managed MLflow tracking server, for tracking only, and who may use it.

Why ``AWS::SageMaker::MlflowTrackingServer`` and not the newer ``AWS::SageMaker::MlflowApp`` (both are in the
pinned aws-cdk-lib and cfn-lint's resource specification): IAM governs a tracking server through the
``sagemaker-mlflow:`` actions, each scoped to the ``mlflow-tracking-server`` resource type (service
authorization reference, "Actions, resources, and condition keys for Amazon SageMaker with MLflow":
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemakerwithmlflow.html),
which is what lets the data scientists' grant name this one server. That reference lists no MLflow App
resource type for those actions, and the sagemaker-mlflow client plugin (0.5.0) signs an App's requests for
the ``sagemaker`` service, not ``sagemaker-mlflow``: how IAM authorizes an App's tracking calls is not in the
reference, so this project does not guess it.

Tracking only: the server's own model registry is not used. ``AutomaticModelRegistration`` is false, and
the data scientists may call none of the server's registry actions (an explicit Deny, as for every refusal
in ``governance.humans``): the registry actions (``CreateModelVersion``, ``SetRegisteredModelAlias``, ...)
carry no condition keys (same reference: the only key is ``aws:ResourceTag/${TagKey}``), so IAM could not
say which version may go where; the one registry is SageMaker's, which the MLflow client writes through the
project's client-side store with the person's own credentials (README, "MLflow").

The server's role: MLflow's tracking server reads and writes the artifact store as its role (CreateMlflow-
TrackingServer, RoleArn: "an IAM role ... that the MLflow Tracking Server uses to access the artifact store
in Amazon S3"). The developer guide suggests AmazonS3FullAccess ("Set up IAM permissions for MLflow",
https://docs.aws.amazon.com/sagemaker/latest/dg/mlflow-create-tracking-server-iam.html), and adds the model
registry actions only for automatic registration, which is off. Here the role gets the artifact prefix and
nothing else of S3: list it, read and write objects under it, and the registry key to encrypt and decrypt
them through S3 (the bucket's default encryption is SSE-KMS with that key). It may not delete: nothing is
deleted (DESIGN.md), and the guide's list (``s3:Get*``, ``s3:Put*``, ``s3:List*``) has no delete either.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

# The runs' artifacts live under the same prefix of the artifact bucket as the local tracking server's.
from modelops.local.mlflow_server import ARTIFACT_PREFIX

# The server's model-registry actions, by the two nouns every one of them names (the reference lists 21:
# CreateModelVersion, GetLatestModelVersions, TransitionModelVersionStage, SetRegisteredModelAlias, ...).
# No tracking action names either noun (tests/infra check the expansion against the reference's list).
REGISTRY_ACTIONS = ("sagemaker-mlflow:*ModelVersion*", "sagemaker-mlflow:*RegisteredModel*")
# What tracking needs, named one by one: every sagemaker-mlflow action of the reference except the registry
# ones, that is experiments, runs and what a run logs (params, metrics, inputs, outputs, logged models,
# traces, tags), listing artifacts, and the UI. Deleting a run or an experiment is MLflow's soft delete
# (RestoreRun and RestoreExperiment undo it); the data scientists' own records, not the system's evidence,
# which lives on the model package.
TRACKING_ACTIONS = tuple(
    f"sagemaker-mlflow:{action}"
    for action in (
        "AccessUI",
        "CreateExperiment",
        "CreateRun",
        "DeleteExperiment",
        "DeleteLoggedModel",
        "DeleteLoggedModelTag",
        "DeleteRun",
        "DeleteTag",
        "DeleteTraceTag",
        "DeleteTraces",
        "EndTrace",
        "FinalizeLoggedModel",
        "GetExperiment",
        "GetExperimentByName",
        "GetLoggedModel",
        "GetMetricHistory",
        "GetRun",
        "GetTraceInfo",
        "ListArtifacts",
        "ListLoggedModelArtifacts",
        "LogBatch",
        "LogInputs",
        "LogLoggedModelParams",
        "LogMetric",
        "LogModel",
        "LogOutputs",
        "LogParam",
        "RestoreExperiment",
        "RestoreRun",
        "SearchExperiments",
        "SearchLoggedModels",
        "SearchRuns",
        "SearchTraces",
        "SetExperimentTag",
        "SetLoggedModelTags",
        "SetTag",
        "SetTraceTag",
        "StartTrace",
        "UpdateExperiment",
        "UpdateRun",
    )
)
# What a training pipeline's executions need to log (SageMaker Pipelines and the jobs its steps start call
# MLflow as the pipeline's role): the tracking actions but AccessUI. The steps open no UI, and AccessUI is
# the one action the reference gives no resource type, so it could be granted only on "*", never on one
# server; every other one is on mlflow-tracking-server* (service authorization reference, "Actions defined
# by Amazon SageMaker with MLflow": https://docs.aws.amazon.com/service-authorization/latest/reference/
# list_amazonsagemakerwithmlflow.html).
EXECUTION_TRACKING_ACTIONS = tuple(a for a in TRACKING_ACTIONS if a != "sagemaker-mlflow:AccessUI")
# The UI opens through a presigned URL (CreatePresignedMlflowTrackingServerUrl, SageMaker API reference);
# the CLI and Studio describe the server to find its URL and status.
UI_ACTIONS = ("sagemaker:CreatePresignedMlflowTrackingServerUrl", "sagemaker:DescribeMlflowTrackingServer")


def tracking_server_name(project_name: str) -> str:
    """``<project>-mlflow``: within TrackingServerName's pattern, since a project name is (settings)."""
    return f"{project_name}-mlflow"


def grant_execution_tracking(grantee: iam.IGrantable, tracking_server_arn: str) -> iam.Grant:
    """Log runs to the tracking server ``tracking_server_arn`` and to no other: experiments, runs, what a
    run logs; never the server's registry (``REGISTRY_ACTIONS`` are not in ``TRACKING_ACTIONS``)."""
    return iam.Grant.add_to_principal(
        grantee=grantee, actions=list(EXECUTION_TRACKING_ACTIONS), resource_arns=[tracking_server_arn]
    )


class ManagedMlflow(Construct):
    """A managed MLflow tracking server whose artifacts live under ``ARTIFACT_PREFIX`` of ``bucket``.

    Props:
        tracking_server_name: the server's name, and the last part of its ARN.
        bucket, key: the artifact bucket and the key it is encrypted with (the registry's).
        size: TrackingServerSize (Small, Medium, Large); the size is what is billed per hour.
        tags: applied to the server.

    The server is retained when the stack is deleted: it holds the runs' metadata (the artifacts are in the
    retained bucket already), the record of how each registered version was trained.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tracking_server_name: str,
        bucket: s3.IBucket,
        key: kms.IKey,
        size: str = "Small",
        tags: dict[str, str] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.tracking_server_name = tracking_server_name
        # Trusted by SageMaker alone, as the MLflow guide's trust policy is. No aws:SourceArn/SourceAccount
        # condition: the guide shows none, and whether the service sends them when it assumes a tracking
        # server's role is not documented; a condition it does not meet would leave the server without
        # its artifact store.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"The MLflow tracking server {tracking_server_name}: its artifact prefix only",
        )
        self._bucket, self._key = bucket, key
        for statement in self._artifact_statements(bucket, key):
            self.role.add_to_principal_policy(statement)
        server = sagemaker.CfnMlflowTrackingServer(
            self,
            "Server",
            tracking_server_name=tracking_server_name,
            artifact_store_uri=f"s3://{bucket.bucket_name}/{ARTIFACT_PREFIX}",
            role_arn=self.role.role_arn,
            automatic_model_registration=False,
            tracking_server_size=size,
            tags=[cdk.CfnTag(key=k, value=v) for k, v in sorted((tags or {}).items())] or None,
        )
        # The server uses its role's policy when it starts: the policy must exist first (the role itself is
        # ordered by the RoleArn reference already).
        policy = self.role.node.try_find_child("DefaultPolicy")
        if policy is not None:
            server.node.add_dependency(policy)
        server.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        self.server = server
        # The ARN as the service authorization reference writes the mlflow-tracking-server resource type
        # (arn:${Partition}:sagemaker:${Region}:${Account}:mlflow-tracking-server/${MlflowTrackingServerName}),
        # built from the name rather than read back from the server: a policy may name a server before it
        # exists, and every consumer of the template (the embedded AWS's resolver too) can derive it.
        self.tracking_server_arn: str = cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="mlflow-tracking-server", resource_name=tracking_server_name
        )
        self.acknowledge_prefix(self.role)

    @staticmethod
    def _artifact_statements(bucket: s3.IBucket, key: kms.IKey) -> list[iam.PolicyStatement]:
        via_s3 = {"StringEquals": {"kms:ViaService": f"s3.{cdk.Aws.REGION}.{cdk.Aws.URL_SUFFIX}"}}
        return [
            iam.PolicyStatement(
                sid="ListTrackingArtifacts",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [ARTIFACT_PREFIX, f"{ARTIFACT_PREFIX}/*"]}},
            ),
            iam.PolicyStatement(
                sid="ReadWriteTrackingArtifacts",
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[bucket.arn_for_objects(f"{ARTIFACT_PREFIX}/*")],
            ),
            # SSE-KMS: S3 asks for a data key on PutObject and a decrypt on GetObject, as the caller (S3 User
            # Guide, "Using server-side encryption with AWS KMS keys", permissions).
            iam.PolicyStatement(
                sid="EncryptTrackingArtifacts",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[key.key_arn],
                conditions=via_s3,
            ),
        ]

    def acknowledge_prefix(self, scope: Construct) -> None:
        """cdk-nag: the one wildcard an artifact grant needs is the key under the server's prefix."""
        logical_id = cdk.Stack.of(self).resolve(self._bucket.bucket_arn)["Fn::GetAtt"][0]
        cdk.Validations.of(scope).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions::AwsSolutions-IAM5[Resource::<{logical_id}.Arn>/{ARTIFACT_PREFIX}/*]",
                reason=(
                    "MLflow names each run's artifact keys at run time; the grant reads and writes only "
                    f"under the {ARTIFACT_PREFIX}/ prefix of the artifact bucket, and deletes nothing."
                ),
            )
        )

    def data_scientist_statements(self) -> list[iam.PolicyStatement]:
        """Track experiments on this server (and open its UI), write and read the runs' artifacts; never use
        its model registry, on any server.

        The artifacts too: the server hands out ``s3://`` artifact URIs, and MLflow's client writes and reads
        an ``s3://`` artifact store itself, with the caller's credentials (MLflow's artifact stores: only an
        ``mlflow-artifacts:`` store is proxied by the server), so the person needs the prefix as the server
        does."""
        return [
            iam.PolicyStatement(
                sid="TrackExperiments", actions=list(TRACKING_ACTIONS), resources=[self.tracking_server_arn]
            ),
            iam.PolicyStatement(
                sid="OpenTrackingUi", actions=list(UI_ACTIONS), resources=[self.tracking_server_arn]
            ),
            *self._artifact_statements(self._bucket, self._key),
            iam.PolicyStatement(
                sid="DenyMlflowRegistry",
                effect=iam.Effect.DENY,
                actions=list(REGISTRY_ACTIONS),
                resources=["*"],  # every server: the one registry is SageMaker's
            ),
        ]
