"""The deployment flow on the embedded AWS: the synthesized stacks, real model artifacts, a notification inbox.

Two versions' artifacts are trained once per session with the local pipeline runner (a good one, and one
whose serving code answers NaN); each test uploads them into its own fresh embedded AWS and registers as
many versions as it needs, with the metrics it needs, so tests stay independent and fast.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.contract import lifecycle, names
from modelops.deploy.packages import specification_digest
from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.local.pipeline_runner import run_local_pipeline
from modelops.registry import ModelRegistry
from tests.built_once import built_once
from tests.deploy.app import synth_to

GROUP = "diabetes-progression"
PROJECT = "modelops"
# The forest the flow tests' versions are trained as. These tests judge the flow, never the model (each
# version's metrics are the ones a test registers), and the verifier invokes a version hundreds of times a
# module: the training default's 200 trees cost about 50 ms a prediction here, 10 trees a few.
FLOW_FOREST = {"n_estimators": 10, "max_depth": 4}
STAGING = names.endpoint_name(PROJECT, "staging")
PRODUCTION = names.endpoint_name(PROJECT, "production")


@dataclass(frozen=True)
class Artifact:
    """A trained version's files and container spec, replayable into any embedded AWS."""

    model_tar: bytes
    samples: bytes
    image: str
    environment: dict[str, str]


@pytest.fixture(scope="session")
def deployment_cdk_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The latency budget is real wall time, and a loaded 2-core CI machine can stretch an in-process
    # invocation past the default 500 ms: these tests are about the flow, so give latency all the room the
    # settings allow (the budget check itself has its own test in test_logic.py).
    context = {"verification_latency_budget_ms": "60000"}
    return built_once(tmp_path_factory, "deploy-cdk.out", lambda outdir: synth_to(outdir, context=context))


@pytest.fixture(scope="session")
def artifacts(deployment_cdk_out: Path) -> dict[str, Artifact]:
    return train_artifacts(
        deployment_cdk_out, {"good": None, "nan": "nan-predictions", "slow": "slow-predictions"}
    )


def train_artifacts(cdk_out: Path, faults: dict[str, str | None]) -> dict[str, Artifact]:
    """One version per name, trained as ``FLOW_FOREST`` with that name's serving fault (None: none)."""
    trained: dict[str, Artifact] = {}
    with embedded_aws(cdk_out) as aws:
        sm, s3 = aws.client("sagemaker"), aws.client("s3")
        bucket = aws.output("ArtifactBucketName")
        for name, fault in faults.items():
            run = run_local_pipeline(
                sm,
                s3,
                group=GROUP,
                bucket=bucket,
                threshold=1000.0,
                hyperparameters=FLOW_FOREST,
                serving_fault=fault,
            )
            container = sm.describe_model_package(ModelPackageName=run.model_package_arn)[
                "InferenceSpecification"
            ]["Containers"][0]
            trained[name] = Artifact(
                model_tar=_read(s3, run.model_data_url),
                samples=_read(s3, run.sample_payload_uri),
                image=container["Image"],
                environment=dict(container.get("Environment", {})),
            )
    return trained


def _read(s3: Any, uri: str) -> bytes:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


@dataclass
class World:
    """One fresh embedded AWS with the deployment stack, and verbs to drive and observe it."""

    aws: EmbeddedAWS
    artifacts: dict[str, Artifact]
    inbox_url: str
    sagemaker: Any = field(init=False)
    registry: ModelRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.sagemaker = self.aws.client("sagemaker")
        self.registry = ModelRegistry(self.sagemaker, GROUP)
        self.bucket = self.aws.output("ArtifactBucketName")

    # -- acting ------------------------------------------------------------------------------------
    def register(self, rmse: float, artifact: str = "good", *, by_pipeline: bool = True) -> int:
        """Register a version trained as ``artifact`` with ``rmse`` as its primary metric; its number.
        ``by_pipeline``: as a pipeline execution registers it (its metric is then compared), else as a
        person would (the metric is their claim)."""
        spec = self.artifacts[artifact]
        s3 = self.aws.client("s3")
        number = len(
            self.sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
        )
        prefix = f"tests/v{number + 1}"
        s3.put_object(Bucket=self.bucket, Key=f"{prefix}/model.tar.gz", Body=spec.model_tar)
        s3.put_object(Bucket=self.bucket, Key=f"{prefix}/sample_payload.json", Body=spec.samples)
        arn = self.sagemaker.create_model_package(
            ModelPackageGroupName=GROUP,
            ModelApprovalStatus=lifecycle.PENDING,
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": spec.image,
                        "ModelDataUrl": f"s3://{self.bucket}/{prefix}/model.tar.gz",
                        "Environment": spec.environment,
                    }
                ],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            ModelLifeCycle={"Stage": lifecycle.STAGE_DEVELOPMENT, "StageStatus": lifecycle.STATUS_REGISTERED},
            CustomerMetadataProperties={
                lifecycle.META_METRIC_PREFIX + lifecycle.PRIMARY_METRIC: str(rmse),
                lifecycle.META_SAMPLE_PAYLOAD: f"s3://{self.bucket}/{prefix}/sample_payload.json",
                lifecycle.META_CODE_COMMIT: f"c0ffee{number + 1:04d}",
                **(
                    {
                        lifecycle.META_PIPELINE_EXECUTION: (
                            f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/modelops-training/execution/e{number + 1}"
                        )
                    }
                    if by_pipeline
                    else {}
                ),
            },
        )["ModelPackageArn"]
        return int(arn.rsplit("/", 1)[1])

    def approve(self, version: int) -> None:
        self.registry.approve_version(version, "reviewed the evaluation report")

    def promote(self, version: int) -> None:
        self.registry.promote_version(version, "better than production")

    def set_life_cycle(self, version: int, stage: str, status: str) -> None:
        """Change the stage as Studio would, bypassing the registry library's own guards."""
        self.sagemaker.update_model_package(
            ModelPackageArn=self.arn(version),
            ModelLifeCycle={"Stage": stage, "StageStatus": status, "StageDescription": "set in Studio"},
        )

    def to_production(self, rmse: float) -> int:
        """Register, approve, let staging verify, promote, let production finish; the version number."""
        version = self.register(rmse)
        self.approve(version)
        self.settle()
        self.promote(version)
        self.settle()
        return version

    def settle(self) -> int:
        return self.aws.settle(timeout=60)

    # -- observing ---------------------------------------------------------------------------------
    def arn(self, version: int) -> str:
        return self.registry.get_version(version).arn

    def state(self, version: int) -> tuple[str, str | None, str | None]:
        """(approval status, stage, stage status) as SageMaker holds them now."""
        package = self.sagemaker.describe_model_package(ModelPackageName=self.arn(version))
        life = package.get("ModelLifeCycle") or {}
        return package["ModelApprovalStatus"], life.get("Stage"), life.get("StageStatus")

    def spec_digest(self, version: int) -> str:
        """The digest of the version's inference specification as SageMaker holds it now."""
        package = self.sagemaker.describe_model_package(ModelPackageName=self.arn(version))
        return specification_digest(package["InferenceSpecification"])

    def description(self, version: int) -> str:
        package = self.sagemaker.describe_model_package(ModelPackageName=self.arn(version))
        return str((package.get("ModelLifeCycle") or {}).get("StageDescription", ""))

    def serves(self, endpoint_name: str) -> int | None:
        """The version an endpoint really serves (its current config's model package), None if absent."""
        try:
            endpoint = self.sagemaker.describe_endpoint(EndpointName=endpoint_name)
        except self.sagemaker.exceptions.ClientError:
            return None
        config = self.sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        model = self.sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
        return int(model["Containers"][0]["ModelPackageName"].rsplit("/", 1)[1])

    def endpoint_tag(self, endpoint_name: str, key: str = lifecycle.TAG_SERVED_PACKAGE) -> str | None:
        arn = self.sagemaker.describe_endpoint(EndpointName=endpoint_name)["EndpointArn"]
        tags = {t["Key"]: t["Value"] for t in self.sagemaker.list_tags(ResourceArn=arn)["Tags"]}
        return tags.get(key)

    def notifications(self) -> list[dict[str, Any]]:
        """Every message published on the lifecycle topic since the last call, oldest first."""
        sqs = self.aws.client("sqs")
        messages: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(QueueUrl=self.inbox_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                envelope = json.loads(message["Body"])
                messages.append(json.loads(envelope["Message"]))
                sqs.delete_message(QueueUrl=self.inbox_url, ReceiptHandle=message["ReceiptHandle"])

    def events_of(self, kind: str) -> list[dict[str, Any]]:
        return [n for n in self.notifications() if n["event"] == kind]

    def dead_letters(self, handler: str) -> list[Any]:
        return [d for d in self.aws.dispatcher.dead_letters if handler.replace("_", "") in d.function.lower()]


@pytest.fixture
def world_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Options for the embedded AWS; a test sets them with ``parametrize(..., indirect=True)``."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def world(
    deployment_cdk_out: Path, artifacts: dict[str, Artifact], world_options: dict[str, Any]
) -> Iterator[World]:
    with embedded_aws(deployment_cdk_out, **world_options) as aws:
        yield world_on(aws, artifacts)


def world_on(aws: EmbeddedAWS, artifacts: dict[str, Artifact]) -> World:
    """A World on a running embedded AWS, with an approvers' inbox subscribed to the lifecycle topic."""
    sqs, sns = aws.client("sqs"), aws.client("sns")
    inbox = sqs.create_queue(QueueName="approvers-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=aws.output("LifecycleTopicArn"), Protocol="sqs", Endpoint=inbox_arn)
    return World(aws=aws, artifacts=artifacts, inbox_url=inbox)


@pytest.fixture
def lambda_context() -> LambdaContext:
    """A typed Lambda context, as the Lambda runtime hands it to a handler (Powertools' own class)."""
    context = LambdaContext()
    context._function_name = "modelops-deployment-DeployStagingFunction"
    context._function_version = "$LATEST"
    context._invoked_function_arn = (
        "arn:aws:lambda:us-east-1:123456789012:function:modelops-deployment-DeployStagingFunction"
    )
    context._memory_limit_in_mb = 256
    context._aws_request_id = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    context._log_group_name = "/aws/lambda/modelops-deployment-DeployStagingFunction"
    context._log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"
    return context
