"""What an approver reads to follow a shadow test (``modelops shadow status``), and nothing more.

``shadow status`` lists the production endpoint's inference experiments, describes the one it reports, reads
both variants' CloudWatch metrics and the test's captures (to compute the verdict so far as the evaluator
does), and searches the group's versions. The approver's own policy already holds the search and the version
reads; these statements add the rest, as read-only as the shadow evaluator's (``deployer_roles``), in a
managed policy of their own: the approver's is within some 24 characters of IAM's 6,144 with the longest
names (``bench/human_policy_sizes.py``).

Service authorization reference: ListInferenceExperiments and CloudWatch's GetMetricStatistics have no resource
type and no condition key, so they take "*"; DescribeInferenceExperiment takes the ``inference-experiment``
resource type, scoped here to the experiments the production deployer names (``<project>-shadow-v*``).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from modelops.contract import names


def shadow_read_statements(
    stack: cdk.Stack, project_name: str, bucket: s3.IBucket, key: kms.IKey
) -> list[iam.PolicyStatement]:
    """Find and describe the project's shadow tests, read their metrics and captures; write nothing."""
    experiments = stack.format_arn(
        service="sagemaker",
        resource="inference-experiment",
        resource_name=f"{names.shadow_experiment_prefix(project_name)}*",
    )
    captures = f"{names.SHADOW_CAPTURE_PREFIX}/*"
    return [
        iam.PolicyStatement(
            sid="FindShadowTests",
            actions=["sagemaker:ListInferenceExperiments", "cloudwatch:GetMetricStatistics"],
            resources=["*"],
        ),
        iam.PolicyStatement(
            sid="ReadShadowTests", actions=["sagemaker:DescribeInferenceExperiment"], resources=[experiments]
        ),
        iam.PolicyStatement(
            sid="ListShadowCaptures",
            actions=["s3:ListBucket"],
            resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [captures]}},
        ),
        iam.PolicyStatement(
            sid="ReadShadowCaptures", actions=["s3:GetObject"], resources=[bucket.arn_for_objects(captures)]
        ),
        # The captures are stored under the bucket's default encryption, the registry key: S3 decrypts
        # them with the reader's permission (S3 User Guide, "Using server-side encryption with AWS KMS keys").
        iam.PolicyStatement(
            sid="DecryptShadowCaptures",
            actions=["kms:Decrypt"],
            resources=[key.key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"s3.{cdk.Aws.REGION}.{cdk.Aws.URL_SUFFIX}"}},
        ),
    ]


def acknowledge_shadow_reads(scope: iam.ManagedPolicy, project_name: str, bucket: s3.IBucket) -> None:
    """cdk-nag: each wildcard is one the API or the names leave no way around."""
    stack = cdk.Stack.of(scope)
    bucket_id = stack.resolve(bucket.bucket_arn)["Fn::GetAtt"][0]
    prefix = names.shadow_experiment_prefix(project_name)
    reasons = {
        "Resource::*": (
            "sagemaker:ListInferenceExperiments and cloudwatch:GetMetricStatistics have no resource type "
            "(service authorization reference); both only read."
        ),
        "Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:inference-experiment/"
        f"{prefix}*": (
            "The production deployer names each shadow test <project>-shadow-v<version>-<attempt> at run "
            "time; the approver may only describe this project's."
        ),
        f"Resource::<{bucket_id}.Arn>/{names.SHADOW_CAPTURE_PREFIX}/*": (
            "Each shadow test stores its captures under its own key prefix, named at run time; the approver "
            f"reads only the {names.SHADOW_CAPTURE_PREFIX}/ prefix of the artifact bucket."
        ),
    }
    for finding, reason in reasons.items():
        cdk.Validations.of(scope).acknowledge(
            cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
        )
