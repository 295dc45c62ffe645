"""Operations that create, configure, list or inspect resources (what the platform team, the pipeline and
the tests' setup do) -> what IAM authorizes, per the service authorization reference for each action:
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
(the pages "Amazon S3", "Amazon SNS", "Amazon SQS", "AWS KMS", "AWS Lambda", "AWS CloudFormation", "Amazon CloudWatch Logs",
"Amazon EventBridge", "Amazon SageMaker AI"). An action whose reference entry lists no resource type is
authorized on ``*``; the reference check in ``requests`` refuses a mapping that says otherwise.

HeadBucket is authorized as ``s3:ListBucket`` (S3 API reference, HeadBucket: "you must have the
s3:ListBucket permission"); CopyObject as ``s3:GetObject`` on the source and ``s3:PutObject`` on the
destination (S3 API reference, CopyObject); the multipart upload steps as ``s3:PutObject`` (S3 User Guide,
"Multipart upload API and permissions"). STS GetCallerIdentity needs no permission ("No permissions are
required to perform this operation", STS API reference): it is mapped to nothing and always allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from modelops.local.iam.context import Call


def _bucket(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        c.add(action, f"arn:{c.env.partition}:s3:::{c.params['Bucket']}")

    return build


def _objects(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        c.add(action, f"arn:{c.env.partition}:s3:::{c.params['Bucket']}/{c.params['Key']}")

    return build


def _copy_object(c: Call) -> None:
    source = c.params["CopySource"]
    if isinstance(source, str):
        source = unquote(source.lstrip("/").split("?versionId=", 1)[0])
    else:
        source = f"{source['Bucket']}/{source['Key']}"
    c.add("s3:GetObject", f"arn:{c.env.partition}:s3:::{source}")
    c.add("s3:PutObject", f"arn:{c.env.partition}:s3:::{c.params['Bucket']}/{c.params['Key']}")


def _delete_objects(c: Call) -> None:
    for item in c.params.get("Delete", {}).get("Objects", []):
        c.add("s3:DeleteObject", f"arn:{c.env.partition}:s3:::{c.params['Bucket']}/{item['Key']}")


def _anywhere(action: str) -> Callable[[Call], None]:
    return lambda c: c.add(action, "*")


def _named(action: str, service: str, kind: str, param: str, sep: str = "/") -> Callable[[Call], None]:
    def build(c: Call) -> None:
        value = str(c.params[param])
        c.add(action, value if value.startswith("arn:") else c.arn(service, f"{kind}{sep}{value}"))

    return build


def _sagemaker(action: str, kind: str, param: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        tags = c.tags(c.params.get("Tags")) if action.split(":")[1].startswith("Create") else {}
        c.add(action, c.sagemaker(kind, str(c.params[param])), tags)
        if tags:
            c.add("sagemaker:AddTags", c.sagemaker(kind, str(c.params[param])), tags)

    return build


def _topic(action: str, param: str = "TopicArn") -> Callable[[Call], None]:
    return lambda c: c.add(action, str(c.params[param]))


def _queue_url(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        host, account, name = str(c.params["QueueUrl"]).split("://", 1)[-1].split("/")
        region = host.split(".")[1] if host.count(".") >= 2 else c.env.region
        c.add(action, f"arn:{c.env.partition}:sqs:{region}:{account}:{name}")

    return build


def _stack(c: Call) -> None:
    name = c.params.get("StackName")
    if not name:
        c.add("cloudformation:DescribeStacks", "*")
        return
    c.add(
        "cloudformation:DescribeStacks",
        name if name.startswith("arn:") else c.arn("cloudformation", f"stack/{name}/*"),
    )


def _pipeline_execution(action: str) -> Callable[[Call], None]:
    def build(c: Call) -> None:
        c.add(action, str(c.params["PipelineExecutionArn"]))

    return build


def _log_group(action: str) -> Callable[[Call], None]:
    """An action on a log group (resource type log-group: ``log-group:${LogGroupName}``, service authorization
    reference, Amazon CloudWatch Logs); FilterLogEvents may name it by ``logGroupIdentifier`` (name or ARN)."""

    def build(c: Call) -> None:
        name = str(c.params.get("logGroupName") or c.params.get("logGroupIdentifier", ""))
        c.add(action, name if name.startswith("arn:") else c.arn("logs", f"log-group:{name}"))

    return build


def _log_stream(action: str) -> Callable[[Call], None]:
    """An action on one stream (resource type log-stream: ``log-group:${LogGroupName}:log-stream:${Name}``)."""

    def build(c: Call) -> None:
        group = str(c.params.get("logGroupName") or c.params.get("logGroupIdentifier", ""))
        group_arn = group if group.startswith("arn:") else c.arn("logs", f"log-group:{group}")
        c.add(action, f"{group_arn}:log-stream:{c.params['logStreamName']}")

    return build


RESOURCES: dict[tuple[str, str], Callable[[Call], None]] = {
    ("logs", "FilterLogEvents"): _log_group("logs:FilterLogEvents"),
    ("logs", "DescribeLogStreams"): _log_group("logs:DescribeLogStreams"),
    ("logs", "DescribeLogGroups"): _anywhere("logs:DescribeLogGroups"),
    ("logs", "DeleteLogGroup"): _log_group("logs:DeleteLogGroup"),
    ("logs", "PutRetentionPolicy"): _log_group("logs:PutRetentionPolicy"),
    ("logs", "DeleteRetentionPolicy"): _log_group("logs:DeleteRetentionPolicy"),
    ("logs", "GetLogEvents"): _log_stream("logs:GetLogEvents"),
    ("logs", "CreateLogStream"): _log_stream("logs:CreateLogStream"),
    ("logs", "PutLogEvents"): _log_stream("logs:PutLogEvents"),
    ("logs", "DeleteLogStream"): _log_stream("logs:DeleteLogStream"),
    ("events", "DisableRule"): _named("events:DisableRule", "events", "rule", "Name"),
    ("events", "EnableRule"): _named("events:EnableRule", "events", "rule", "Name"),
    ("events", "DeleteRule"): _named("events:DeleteRule", "events", "rule", "Name"),
    ("events", "RemoveTargets"): _named("events:RemoveTargets", "events", "rule", "Rule"),
    ("s3", "CreateBucket"): _bucket("s3:CreateBucket"),
    ("s3", "HeadBucket"): _bucket("s3:ListBucket"),
    ("s3", "GetBucketVersioning"): _bucket("s3:GetBucketVersioning"),
    ("s3", "PutBucketVersioning"): _bucket("s3:PutBucketVersioning"),
    ("s3", "ListBuckets"): _anywhere("s3:ListAllMyBuckets"),
    ("s3", "CopyObject"): _copy_object,
    ("s3", "DeleteObjects"): _delete_objects,
    ("s3", "CreateMultipartUpload"): _objects("s3:PutObject"),
    ("s3", "UploadPart"): _objects("s3:PutObject"),
    ("s3", "CompleteMultipartUpload"): _objects("s3:PutObject"),
    ("s3", "AbortMultipartUpload"): _objects("s3:AbortMultipartUpload"),
    ("sns", "CreateTopic"): lambda c: c.add("sns:CreateTopic", c.arn("sns", str(c.params["Name"]))),
    ("sns", "Subscribe"): _topic("sns:Subscribe"),
    ("sns", "GetTopicAttributes"): _topic("sns:GetTopicAttributes"),
    ("sns", "SetTopicAttributes"): _topic("sns:SetTopicAttributes"),
    ("sns", "ListSubscriptionsByTopic"): _topic("sns:ListSubscriptionsByTopic"),
    ("sns", "ListTopics"): _anywhere("sns:ListTopics"),
    ("sqs", "CreateQueue"): lambda c: c.add("sqs:CreateQueue", c.arn("sqs", str(c.params["QueueName"]))),
    ("sqs", "GetQueueUrl"): lambda c: c.add("sqs:GetQueueUrl", c.arn("sqs", str(c.params["QueueName"]))),
    ("sqs", "ListQueues"): _anywhere("sqs:ListQueues"),
    ("sqs", "SetQueueAttributes"): _queue_url("sqs:SetQueueAttributes"),
    ("sqs", "ChangeMessageVisibility"): _queue_url("sqs:ChangeMessageVisibility"),
    ("sts", "GetCallerIdentity"): lambda c: None,
    ("kms", "ListKeys"): _anywhere("kms:ListKeys"),
    ("kms", "Encrypt"): _named("kms:Encrypt", "kms", "key", "KeyId"),
    ("kms", "DisableKey"): _named("kms:DisableKey", "kms", "key", "KeyId"),
    ("kms", "EnableKey"): _named("kms:EnableKey", "kms", "key", "KeyId"),
    ("lambda", "ListFunctions"): _anywhere("lambda:ListFunctions"),
    ("lambda", "GetFunction"): _named("lambda:GetFunction", "lambda", "function", "FunctionName", ":"),
    ("cloudformation", "DescribeStacks"): _stack,
    ("events", "TestEventPattern"): _anywhere("events:TestEventPattern"),
    # GetMetricStatistics has no resource type (service authorization reference, Amazon CloudWatch).
    ("cloudwatch", "GetMetricStatistics"): _anywhere("cloudwatch:GetMetricStatistics"),
    ("events", "PutRule"): _named("events:PutRule", "events", "rule", "Name"),
    ("events", "PutTargets"): _named("events:PutTargets", "events", "rule", "Rule"),
    # ListRules has no resource type; DescribeRule names the rule (on the default bus: rule/<name>).
    ("events", "ListRules"): _anywhere("events:ListRules"),
    ("events", "DescribeRule"): _named("events:DescribeRule", "events", "rule", "Name"),
    ("sagemaker", "CreateModelPackageGroup"): _sagemaker(
        "sagemaker:CreateModelPackageGroup", "model-package-group", "ModelPackageGroupName"
    ),
    ("sagemaker", "PutModelPackageGroupPolicy"): _sagemaker(
        "sagemaker:PutModelPackageGroupPolicy", "model-package-group", "ModelPackageGroupName"
    ),
    ("sagemaker", "GetModelPackageGroupPolicy"): _sagemaker(
        "sagemaker:GetModelPackageGroupPolicy", "model-package-group", "ModelPackageGroupName"
    ),
    ("sagemaker", "DeleteModelPackageGroup"): _sagemaker(
        "sagemaker:DeleteModelPackageGroup", "model-package-group", "ModelPackageGroupName"
    ),
    ("sagemaker", "DeleteModelPackageGroupPolicy"): _sagemaker(
        "sagemaker:DeleteModelPackageGroupPolicy", "model-package-group", "ModelPackageGroupName"
    ),
    ("sagemaker", "ListModelPackageGroups"): _anywhere("sagemaker:ListModelPackageGroups"),
    ("sagemaker", "ListEndpoints"): _anywhere("sagemaker:ListEndpoints"),
    ("sagemaker", "ListEndpointConfigs"): _anywhere("sagemaker:ListEndpointConfigs"),
    ("sagemaker", "ListModels"): _anywhere("sagemaker:ListModels"),
    ("sagemaker", "ListPipelines"): _anywhere("sagemaker:ListPipelines"),
    ("sagemaker", "CreatePipeline"): _sagemaker("sagemaker:CreatePipeline", "pipeline", "PipelineName"),
    ("sagemaker", "UpdatePipeline"): _sagemaker("sagemaker:UpdatePipeline", "pipeline", "PipelineName"),
    ("sagemaker", "DescribePipeline"): _sagemaker("sagemaker:DescribePipeline", "pipeline", "PipelineName"),
    ("sagemaker", "StartPipelineExecution"): _sagemaker(
        "sagemaker:StartPipelineExecution", "pipeline", "PipelineName"
    ),
    ("sagemaker", "ListPipelineExecutions"): _sagemaker(
        "sagemaker:ListPipelineExecutions", "pipeline", "PipelineName"
    ),
    ("sagemaker", "DescribePipelineExecution"): _pipeline_execution("sagemaker:DescribePipelineExecution"),
    ("sagemaker", "ListPipelineExecutionSteps"): _pipeline_execution("sagemaker:ListPipelineExecutionSteps"),
    ("sagemaker", "ListPipelineParametersForExecution"): _pipeline_execution(
        "sagemaker:ListPipelineParametersForExecution"
    ),
    ("sagemaker", "DescribePipelineDefinitionForExecution"): _pipeline_execution(
        "sagemaker:DescribePipelineDefinitionForExecution"
    ),
}
