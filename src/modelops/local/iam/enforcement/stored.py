"""The stored state a call's authorization depends on, read from moto's backends just before the call.

SageMaker computes the ``sagemaker:Current*`` keys and ``aws:ResourceTag/*`` from the resource as stored
(service authorization reference, "Condition keys for Amazon SageMaker AI"); S3 calls KMS with the object's
key (an SSE-KMS object, or the bucket's default encryption key for a new object; "Using server-side
encryption with AWS KMS keys", S3 User Guide); SNS calls KMS with the topic's ``KmsMasterKeyId``
("Encryption at rest", SNS Developer Guide). Reading a resource that does not exist yields no state: the
call then fails as the service fails it, after IAM allowed it (IAM authorizes before the service looks).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelops.local.iam.context import Target

_PACKAGE_PARAMS = ("ModelPackageArn", "ModelPackageName")


def target(service: str, operation: str, params: Mapping[str, Any], account: str, region: str) -> Target:
    if service == "sagemaker":
        return _sagemaker(operation, params, account, region)
    if service == "s3" and "Bucket" in params:
        return Target(kms_key_arn=_object_key(params, account, region))
    if service == "sns" and "TopicArn" in params:
        return Target(kms_key_arn=_topic_key(str(params["TopicArn"]), account, region))
    return Target()


def _sagemaker(operation: str, params: Mapping[str, Any], account: str, region: str) -> Target:
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[account][region]
    if operation == "CreateModelPackage" and params.get("ModelPackageGroupName"):
        group = str(params["ModelPackageGroupName"]).lower()
        versions = [
            p.model_package_version or 0
            for p in backend.model_packages.values()
            if str(getattr(p, "model_package_group_name", "") or "").lower() == group
        ]
        return Target(next_version=max(versions, default=0) + 1)
    name = next((str(params[p]) for p in _PACKAGE_PARAMS if params.get(p)), None)
    if name is None and ":model-package/" in str(params.get("ResourceArn", "")):
        name = str(params["ResourceArn"])
    if name is not None:
        key = backend.model_package_name_mapping.get(name, name)
        package = backend.model_packages.get(key)
        if package is None:
            return Target()
        return Target.from_model_package(_described(package), package.tags or [])
    arn = params.get("ResourceArn") or _arn_of(params, account, region, operation)
    if arn:
        tags: Any
        try:
            tags, _ = backend.list_tags(str(arn))
        except Exception:  # a resource moto cannot find has no tags to read
            tags = []
        return Target(tags={t["Key"]: t["Value"] for t in tags or []})
    return Target()


def _described(package: Any) -> dict[str, Any]:
    return {
        "ModelApprovalStatus": package.model_approval_status,
        "ModelLifeCycle": getattr(package, "model_life_cycle", None) or {},
        "CustomerMetadataProperties": package.customer_metadata_properties or {},
    }


def _arn_of(params: Mapping[str, Any], account: str, region: str, operation: str = "") -> str | None:
    if operation.endswith("InferenceExperiment") and params.get("Name"):
        return f"arn:aws:sagemaker:{region}:{account}:inference-experiment/{str(params['Name']).lower()}"
    for param, kind in (("EndpointName", "endpoint"), ("EndpointConfigName", "endpoint-config")):
        if params.get(param):
            return f"arn:aws:sagemaker:{region}:{account}:{kind}/{str(params[param]).lower()}"
    return None


def _object_key(params: Mapping[str, Any], account: str, region: str) -> str | None:
    from moto.s3.models import s3_backends

    backend = s3_backends[account]["aws"]
    bucket = backend.buckets.get(str(params["Bucket"]))
    if bucket is None:
        return None
    if "Key" in params:
        stored = bucket.keys.get(str(params["Key"]))
        if stored is not None and stored.encryption == "aws:kms":
            return _key_arn(stored.kms_key_id, account, region)
    return _key_arn(_find_key_id(bucket.encryption), account, region)


def _find_key_id(encryption: Any) -> str | None:
    if isinstance(encryption, Mapping):
        if encryption.get("SSEAlgorithm") == "aws:kms" and encryption.get("KMSMasterKeyID"):
            return str(encryption["KMSMasterKeyID"])
        for value in encryption.values():
            if (found := _find_key_id(value)) is not None:
                return found
    if isinstance(encryption, list):
        for value in encryption:
            if (found := _find_key_id(value)) is not None:
                return found
    return None


def _topic_key(topic_arn: str, account: str, region: str) -> str | None:
    from moto.sns.models import sns_backends

    topic = sns_backends[account][region].topics.get(topic_arn)
    return _key_arn(topic.kms_master_key_id, account, region) if topic is not None else None


def _key_arn(key: str | None, account: str, region: str) -> str | None:
    """A key id or alias as the ARN of the key it names (an alias resolved through moto's KMS)."""
    if not key:
        return None
    if key.startswith("arn:") and ":key/" in key:
        return key
    from moto.kms.models import kms_backends

    kms = kms_backends[account][region]
    try:
        return str(kms.describe_key(key).arn)
    except Exception:  # an unknown key: KMS would refuse; name what the caller named
        return key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key}"
