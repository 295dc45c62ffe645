"""S3, SNS, SQS, KMS, Lambda, CloudWatch and STS operations -> what IAM authorizes, with the KMS calls a
service makes on the caller's behalf for SSE-KMS objects and encrypted topics."""

from __future__ import annotations

from collections.abc import Callable

from modelops.local.iam.context import Call, ContextValue


def _kms(c: Call, action: str, key_arn: str | None, via: str) -> None:
    if key_arn:  # the service calls KMS with the caller's credentials (kms:ViaService names it)
        key = key_arn if key_arn.startswith("arn:") else c.arn("kms", f"key/{key_arn}")
        c.add(
            action,
            key,
            {
                "kms:ViaService": f"{via}.{c.env.region}.{c.env.url_suffix}",
                "kms:CallerAccount": c.env.account,
            },
        )


def _object(c: Call) -> str:
    return f"arn:{c.env.partition}:s3:::{c.params['Bucket']}/{c.params['Key']}"


def _put_object(c: Call) -> None:
    p = c.params
    # PutObject creates an object (CreateMultipartUpload and UploadPart, also authorized as s3:PutObject,
    # do not); the key lets a bucket policy require a conditional header on creations only.
    extra: dict[str, ContextValue] = {"s3:ObjectCreationOperation": "true"}
    for param, key in (
        ("ServerSideEncryption", "s3:x-amz-server-side-encryption"),
        ("SSEKMSKeyId", "s3:x-amz-server-side-encryption-aws-kms-key-id"),
        ("IfNoneMatch", "s3:if-none-match"),
        ("IfMatch", "s3:if-match"),
    ):
        if param in p:
            extra[key] = str(p[param])
    c.add("s3:PutObject", _object(c), extra)
    _kms(c, "kms:GenerateDataKey", p.get("SSEKMSKeyId") or c.target.kms_key_arn, "s3")


def _get_object(c: Call) -> None:
    versioned = "VersionId" in c.params
    extra: dict[str, ContextValue] = {"s3:versionid": c.params["VersionId"]} if versioned else {}
    c.add("s3:GetObjectVersion" if versioned else "s3:GetObject", _object(c), extra)
    _kms(c, "kms:Decrypt", c.target.kms_key_arn, "s3")


def _delete_object(c: Call) -> None:
    c.add("s3:DeleteObjectVersion" if "VersionId" in c.params else "s3:DeleteObject", _object(c))


def _list_bucket(c: Call, action: str = "s3:ListBucket") -> None:
    extra: dict[str, ContextValue] = {}
    for param, key in (("Prefix", "s3:prefix"), ("Delimiter", "s3:delimiter"), ("MaxKeys", "s3:max-keys")):
        if param in c.params:
            extra[key] = str(c.params[param])
    c.add(action, f"arn:{c.env.partition}:s3:::{c.params['Bucket']}", extra)


def _list_bucket_versions(c: Call) -> None:
    # ListObjectVersions is authorized as s3:ListBucketVersions, with the same condition keys as
    # ListBucket (service authorization reference, Amazon S3).
    _list_bucket(c, "s3:ListBucketVersions")


def _publish(c: Call) -> None:
    c.add("sns:Publish", c.params["TopicArn"])
    # Publishing to an encrypted topic needs kms:GenerateDataKey* and kms:Decrypt on its key.
    _kms(c, "kms:GenerateDataKey", c.target.kms_key_arn, "sns")
    _kms(c, "kms:Decrypt", c.target.kms_key_arn, "sns")


def _sqs(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        url = str(c.params["QueueUrl"])
        host, account, name = url.split("://", 1)[-1].split("/")
        c.add(action, f"arn:{c.env.partition}:sqs:{host.split('.')[1]}:{account}:{name}")

    return build


def _key(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        key = str(c.params["KeyId"])
        c.add(action, key if key.startswith("arn:") else c.arn("kms", f"key/{key}"))

    return build


def _invoke_function(c: Call) -> None:
    name = str(c.params["FunctionName"])
    c.add("lambda:InvokeFunction", name if name.startswith("arn:") else c.arn("lambda", f"function:{name}"))


def _describe_alarms(c: Call) -> None:
    for name in c.params.get("AlarmNames") or ["*"]:
        c.add("cloudwatch:DescribeAlarms", c.arn("cloudwatch", f"alarm:{name}"))


def _put_metric_data(c: Call) -> None:
    c.add("cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": c.params["Namespace"]})


def _assume_role(c: Call) -> None:
    c.add("sts:AssumeRole", c.params["RoleArn"])


SERVICES: dict[tuple[str, str], Callable[[Call], None]] = {
    ("s3", "PutObject"): _put_object,
    ("s3", "GetObject"): _get_object,
    ("s3", "HeadObject"): _get_object,
    ("s3", "DeleteObject"): _delete_object,
    ("s3", "ListObjectsV2"): _list_bucket,
    ("s3", "ListObjectVersions"): _list_bucket_versions,
    ("s3", "ListObjects"): _list_bucket,
    ("sns", "Publish"): _publish,
    ("sqs", "SendMessage"): _sqs("sqs:SendMessage"),
    ("sqs", "ReceiveMessage"): _sqs("sqs:ReceiveMessage"),
    ("sqs", "DeleteMessage"): _sqs("sqs:DeleteMessage"),
    ("sqs", "PurgeQueue"): _sqs("sqs:PurgeQueue"),
    ("sqs", "GetQueueAttributes"): _sqs("sqs:GetQueueAttributes"),
    ("kms", "Decrypt"): _key("kms:Decrypt"),
    ("kms", "GenerateDataKey"): _key("kms:GenerateDataKey"),
    ("kms", "DescribeKey"): _key("kms:DescribeKey"),
    ("lambda", "Invoke"): _invoke_function,
    ("cloudwatch", "DescribeAlarms"): _describe_alarms,
    ("cloudwatch", "PutMetricData"): _put_metric_data,
    ("sts", "AssumeRole"): _assume_role,
}
