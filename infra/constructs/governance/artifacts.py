"""The artifact bucket's rules for model artifacts: written once, never replaced, never deleted, and read
only by what serves them.

Pinning, and why this way: a version's ``ModelDataUrl`` is an S3 key, and SageMaker downloads whatever that
key holds when it starts an instance (no version ID in the URL). The service authorization reference lists
``s3:if-none-match`` for s3:PutObject, and S3 documents enforcing conditional writes with it in a bucket
policy ("Enforce conditional writes on Amazon S3 buckets", S3 User Guide): a PutObject or
CompleteMultipartUpload of a model artifact must carry ``If-None-Match: *``, which S3 refuses (412) when
the key exists. So a registered artifact cannot be overwritten by anyone, while a new execution still
writes its own new keys. One exception, because AWS leaves no choice: SageMaker uploads a job's outputs (the
training job's ``model.tar.gz``) under the job's execution role with no conditional header (CreateTrainingJob
and its OutputDataConfig document none), so the roles whose jobs write model artifacts are exempt from the
``If-None-Match`` requirement (``aws:PrincipalArn``, which is the role's ARN for its sessions: IAM User Guide,
"AWS global condition context keys"). Those roles may still never delete, nobody can assume them but
SageMaker, and what staging verified is pinned by its object version (below). ``s3:ObjectCreationOperation`` exempts the parts of a
multipart upload (CreateMultipartUpload, UploadPart), which take no conditional header; the completion does.
The bucket policy holds it because a bucket policy's Deny binds every principal of the account, whatever
identity policies they hold. The deployers record the object version they verified as evidence
(``deploy.staging_artifact``), so a changed artifact is also detected at deploy time.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

from modelops.contract import names

REPLACE_SID = "DenyReplacingModelArtifacts"


def model_artifacts(bucket: s3.IBucket) -> str:
    return bucket.arn_for_objects(names.MODEL_ARTIFACT_KEYS)


def pinned_artifact_statements(
    bucket: s3.IBucket, job_output_writers: list[str]
) -> list[iam.PolicyStatement]:
    """Bucket policy: no model artifact is replaced or deleted, by any principal; ``job_output_writers``
    (role ARNs of the SageMaker jobs that upload artifacts) are spared the conditional-write requirement."""
    artifacts = model_artifacts(bucket)
    spared = {"ArnNotEquals": {"aws:PrincipalArn": job_output_writers}} if job_output_writers else {}
    return [
        iam.PolicyStatement(
            sid=REPLACE_SID,
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:PutObject"],
            resources=[artifacts],
            conditions={
                "Null": {"s3:if-none-match": "true"},
                "Bool": {"s3:ObjectCreationOperation": "true"},
                **spared,
            },
        ),
        # Nothing is deleted (DESIGN.md). Superseded object versions still expire by the lifecycle rule,
        # which bucket policies do not govern.
        iam.PolicyStatement(
            sid="DenyDeletingModelArtifacts",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["s3:DeleteObject", "s3:DeleteObjectVersion"],
            resources=[artifacts],
        ),
    ]


def model_artifact_read(bucket: s3.IBucket, key: kms.IKey, role: iam.IGrantable) -> None:
    """What SageMaker needs to download a version's artifact as ``role``: the model keys and the key's
    decrypt through S3, not the rest of the bucket (datasets, evaluations)."""
    role.grant_principal.add_to_principal_policy(
        iam.PolicyStatement(
            sid="ReadModelArtifacts", actions=["s3:GetObject"], resources=[model_artifacts(bucket)]
        )
    )
    key.grant_decrypt(role)


def cross_account_reader_statements(
    bucket: s3.IBucket, principals: list[iam.IPrincipal]
) -> list[iam.PolicyStatement]:
    """Bucket policy: reader accounts may download model artifacts (what CreateModel from a package ARN
    in their own account needs), nothing else of the bucket."""
    return [
        iam.PolicyStatement(
            sid="CrossAccountReadModelArtifacts",
            principals=principals,
            actions=["s3:GetObject"],
            resources=[model_artifacts(bucket)],
        )
    ]
