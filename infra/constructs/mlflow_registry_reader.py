"""The identity an MLflow tracking server's registry pages run as: it reads the registry, never writes it.

An MLflow server whose registry store is modelops' (``modelops.mlflow_registry`` in read-only mode; the
embedded default's ``modelops local up``, or one a team hosts itself) answers its UI's registry pages from
SageMaker with the server's own credentials. Those credentials must be able to do no more than the pages
need, so a bug in the server (or in the store's read-only switch) cannot write the registry. No existing
role fits: the data scientist and the approver write versions, the deployers write endpoints, the shadow
evaluator records verdicts.

What the store's read paths call (``modelops.registry.store``): DescribeModelPackageGroup (the group
exists), Search (a group's versions, and ``@staging``/``@production`` in one call), DescribeModelPackage
(one version), ListModelPackages (the newest version, named when a version asked for does not exist). And
the UI's artifact pages: the server lists and reads a run's ``s3://`` artifacts itself (MLflow's artifact
repositories: only an ``mlflow-artifacts:`` store is proxied), under the tracking server's artifact root.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.constructs.governed_registry import GovernedRegistry
from modelops.local.mlflow_server import ARTIFACT_PREFIX

REGISTRY_READS = (
    "sagemaker:DescribeModelPackage",
    "sagemaker:DescribeModelPackageGroup",
    "sagemaker:ListModelPackages",
)


class MlflowRegistryReader(Construct):
    """A role that may read ``registry``'s versions and the MLflow artifacts, and nothing else.

    Props:
        registry: the governed registry whose group, artifact bucket and key it reads.

    Trusted by the account: who may assume it is decided by their own policies (IAM User Guide, "Creating a
    role to delegate permissions to an IAM user"), so the platform team chooses where its server runs.
    """

    def __init__(self, scope: Construct, construct_id: str, *, registry: GovernedRegistry) -> None:
        super().__init__(scope, construct_id)
        bucket, key = registry.artifact_bucket, registry.key
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.AccountRootPrincipal(),
            description=(
                f"MLflow tracking server of {registry.model_package_group_name}: its registry pages read "
                "the versions, never write them"
            ),
        )
        for statement in (
            iam.PolicyStatement(
                sid="ReadVersions",
                actions=list(REGISTRY_READS),
                resources=[registry.model_package_group_arn, registry.model_package_arn_pattern],
            ),
            # Search supports no resource-level permissions (Service Authorization Reference, SageMaker).
            iam.PolicyStatement(sid="SearchVersions", actions=["sagemaker:Search"], resources=["*"]),
            iam.PolicyStatement(
                sid="ListMlflowArtifacts",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                # s3:prefix scopes ListBucket (S3 User Guide, "Bucket policy examples using condition keys").
                conditions={"StringLike": {"s3:prefix": [ARTIFACT_PREFIX, f"{ARTIFACT_PREFIX}/*"]}},
            ),
            iam.PolicyStatement(
                sid="ReadMlflowArtifacts",
                actions=["s3:GetObject"],
                resources=[bucket.arn_for_objects(f"{ARTIFACT_PREFIX}/*")],
            ),
            # SSE-KMS: GetObject decrypts as the caller (S3 User Guide, "Using server-side encryption with AWS
            # KMS keys", permissions); only through S3.
            iam.PolicyStatement(
                sid="DecryptMlflowArtifacts",
                actions=["kms:Decrypt"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{cdk.Aws.REGION}.{cdk.Aws.URL_SUFFIX}"}},
            ),
        ):
            self.role.add_to_policy(statement)
        self._acknowledge(registry)

    def _acknowledge(self, registry: GovernedRegistry) -> None:
        registry.acknowledge_version_wildcard(self.role)
        bucket = cdk.Stack.of(self).get_logical_id(registry.artifact_bucket.node.default_child)  # type: ignore[arg-type]
        for finding, reason in (
            (
                "Resource::*",
                "sagemaker:Search supports no resource-level permissions (Service Authorization Reference); "
                "it is read-only, and the Describe permissions still name this group only.",
            ),
            (
                f"Resource::<{bucket}.Arn>/{ARTIFACT_PREFIX}/*",
                "MLflow names a run's artifact keys by run and model ids made at logging time; the wildcard "
                f"reads only under the {ARTIFACT_PREFIX}/ prefix of the artifact bucket, and writes nothing.",
            ),
        ):
            cdk.Validations.of(self.role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
            )
