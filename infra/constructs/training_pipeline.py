"""The training pipeline as a CloudFormation resource, with its code as assets and its own role.

The definition is built at synth time by ``pipelines.training.get_pipeline`` (SageMaker SDK v3, offline).
The SDK needs concrete strings where CloudFormation has tokens (bucket names, role ARN, region), so the
definition is built with unmistakable placeholders that are then swapped for the tokens; a placeholder
left over fails synth rather than reaching SageMaker.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Sequence
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

import pipelines
from infra import BUILD_ROOT
from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.managed_mlflow import grant_execution_tracking, tracking_server_name
from infra.constructs.nag_ids import rendered_reference
from infra.pipeline_definition import (
    ARTIFACT_BUCKET,
    ASSET_BUCKET,
    BUILD_REGION,
    CODE_KEYS,
    MLFLOW_ARN,
    PLACEHOLDERS,
    ROLE_ARN,
    definition_inputs,
    definition_template,
)
from modelops.contract import lifecycle, names, tracking
from modelops.contract.names import pipeline_name
from modelops.contract.settings import StageSettings
from modelops.contract.training import (
    SKLEARN_IMAGE_ACCOUNTS,
    SKLEARN_IMAGE_TAG,
    SKLEARN_REPOSITORY,
    sklearn_image_uri,
)

STEPS_DIR = pipelines.steps_dir()
BUILD_DIR = BUILD_ROOT / "pipeline-code"
TRAIN_ARCHIVE_FILES = ("train.py", "inference.py")  # what the training container runs and ships


class TrainingPipeline(Construct):
    """A SageMaker Pipeline that trains, evaluates, gates and registers versions into ``registry``.

    Props:
        settings: the stage settings (group, instance types, threshold, SageMaker project tags).
        registry: where versions are registered and artifacts are written.
        registration_statuses: the approval statuses the pipeline may register with. The default, pending
            only, is enforced twice: by the pipeline parameter's allowed values and by the role's IAM
            condition, so no run can approve its own version past the human approver.
        code_commit: the commit recorded on versions when an execution does not pass ``CodeCommit``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        registry: GovernedRegistry,
        registration_statuses: Sequence[str] = (lifecycle.PENDING,),
        code_commit: str = "unrecorded",
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.pipeline_name = pipeline_name(settings.project_name)
        self.preprocess_code = s3_assets.Asset(self, "PreprocessCode", path=str(STEPS_DIR / "preprocess.py"))
        self.evaluate_code = s3_assets.Asset(self, "EvaluateCode", path=str(STEPS_DIR / "evaluate.py"))
        self.train_code = s3_assets.Asset(self, "TrainCode", path=str(build_train_archive()))
        # The scikit-learn image lives in an AWS account that differs per region: map it at deploy time.
        images = cdk.CfnMapping(
            self,
            "ScikitLearnImageAccounts",
            mapping={
                region: {"account": account} for region, account in sorted(SKLEARN_IMAGE_ACCOUNTS.items())
            },
        )
        image = (
            f"{images.find_in_map(cdk.Aws.REGION, 'account')}.dkr.ecr.{cdk.Aws.REGION}.{cdk.Aws.URL_SUFFIX}"
            f"/{SKLEARN_REPOSITORY}:{SKLEARN_IMAGE_TAG}"
        )
        self._image_repository_arn = stack.format_arn(
            service="ecr",
            account=images.find_in_map(cdk.Aws.REGION, "account"),
            resource="repository",
            resource_name=SKLEARN_REPOSITORY,
        )
        self.role = self._execution_role(settings, registry, registration_statuses)

        body = self._definition_body(settings, registry, image, code_commit, registration_statuses)
        tags = {**settings.resource_tags, **settings.sagemaker_project_tags}
        self.pipeline = sagemaker.CfnPipeline(
            self,
            "Pipeline",
            pipeline_name=self.pipeline_name,
            pipeline_display_name=self.pipeline_name,
            pipeline_description=(
                f"Trains, evaluates and gates a model, then registers it in {settings.model_package_group_name}"
            ),
            pipeline_definition={"PipelineDefinitionBody": body},
            role_arn=self.role.role_arn,
            tags=[cdk.CfnTag(key=k, value=v) for k, v in sorted(tags.items())],
        )

    def _definition_body(
        self,
        settings: StageSettings,
        registry: GovernedRegistry,
        image: str,
        code_commit: str,
        registration_statuses: Sequence[str],
    ) -> str:
        """The definition JSON with CloudFormation tokens where the SDK needed concrete strings."""
        inputs = definition_inputs(settings, code_commit=code_commit, approval_statuses=registration_statuses)
        self.definition_template = definition_template(settings, inputs)
        code_assets = {
            "preprocess": self.preprocess_code,
            "evaluate": self.evaluate_code,
            "train_archive": self.train_code,
        }
        replacements = [
            *(_code_key(name, asset) for name, asset in code_assets.items()),
            (sklearn_image_uri(BUILD_REGION), image),
            (f'"SAGEMAKER_REGION": "{BUILD_REGION}"', f'"SAGEMAKER_REGION": "{cdk.Aws.REGION}"'),
            (f'"sagemaker_region": "{BUILD_REGION}"', f'"sagemaker_region": "{cdk.Aws.REGION}"'),
            (f"s3://{ASSET_BUCKET}/", f"s3://{self.preprocess_code.s3_bucket_name}/"),
            (ARTIFACT_BUCKET, registry.artifact_bucket.bucket_name),
            (ROLE_ARN, self.role.role_arn),
        ]
        body = self.definition_template
        for placeholder, value in replacements:
            body = body.replace(placeholder, value)
        mlflow = self._mlflow_arn(settings)
        for leftover in PLACEHOLDERS:
            if leftover in body and not (leftover == MLFLOW_ARN and mlflow):
                raise ValueError(f"the pipeline definition still holds {leftover!r}; the SDK output changed")
        return body.replace(MLFLOW_ARN, mlflow) if mlflow else body

    def _mlflow_arn(self, settings: StageSettings) -> str | None:
        """The MLflow resource the executions log to (``pipeline_mlflow``); the managed server's ARN is built
        from its name (``AWS::SageMaker::MlflowTrackingServer``'s ARN form), so the pipeline stack needs no
        reference into the registry stack for it."""
        target = settings.pipeline_mlflow_target
        if target != tracking.MANAGED:
            return target
        return cdk.Stack.of(self).format_arn(
            service="sagemaker",
            resource="mlflow-tracking-server",
            resource_name=tracking_server_name(settings.project_name),
        )

    def _tracking_server_arn(self, settings: StageSettings) -> str | None:
        """The tracking server the executions log to, and so the one the role may log to; None when they
        log to none, or to an MLflow App.

        An App gets no grant, for the reason ``ManagedMlflow`` runs a tracking server: the reference's
        ``sagemaker-mlflow`` actions authorize the ``mlflow-tracking-server`` resource type only, and the
        sagemaker-mlflow plugin signs an App's requests for ``sagemaker``, so how IAM authorizes an App's
        tracking calls is not documented and any grant would be a guess (inert, or wider than needed). The
        App's owner grants this role, named ``names.pipeline_role_name``, what the App asks for."""
        target = settings.pipeline_mlflow_target
        if target is None:
            return None
        if target != tracking.MANAGED:
            arn = tracking.MLFLOW_RESOURCE_ARN.match(target)
            if arn is None or arn.group(1) != "tracking-server":
                return None
        return self._mlflow_arn(settings)

    def _execution_role(
        self, settings: StageSettings, registry: GovernedRegistry, statuses: Sequence[str]
    ) -> iam.Role:
        """What the pipeline and the jobs it starts need, and nothing else."""
        role = iam.Role(
            self,
            "ExecutionRole",
            # Named: the registry stack's bucket policy spares it by ARN (governance.artifacts).
            role_name=names.pipeline_role_name(settings.project_name),
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description=f"Runs the {self.pipeline_name} pipeline and its processing and training jobs",
        )
        prefix = f"pipelines/{self.pipeline_name}/*"
        # Pending only by default, enforced by IAM as well as by the ModelApprovalStatus parameter.
        registry.grant_register(role, approval_statuses=statuses, artifacts_prefix=prefix)
        registry.artifact_bucket.grant_read(role, "datasets/*")
        # Only the three code objects, not the whole CDK asset bucket that Asset.grant_read would open.
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadTheStepCode",
                actions=["s3:GetObject"],
                resources=[
                    f"{asset.bucket.bucket_arn}/{asset.s3_object_key}"
                    for asset in (self.preprocess_code, self.evaluate_code, self.train_code)
                ],
            )
        )
        for statement in self._job_statements(role):
            role.add_to_policy(statement)
        server = self._tracking_server_arn(settings)
        if server is not None:
            grant_execution_tracking(role, server)
        self._acknowledge(role, registry, prefix)
        return role

    def _job_statements(self, role: iam.Role) -> list[iam.PolicyStatement]:
        """Running the processing and training jobs the steps start: create them, pass them this role, let
        them write logs and metrics and pull the scikit-learn image."""
        stack = cdk.Stack.of(self)
        return [
            iam.PolicyStatement(
                sid="RunTheStepJobs",
                actions=[
                    "sagemaker:CreateProcessingJob",
                    "sagemaker:DescribeProcessingJob",
                    "sagemaker:StopProcessingJob",
                    "sagemaker:CreateTrainingJob",
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob",
                    "sagemaker:AddTags",
                ],
                resources=[
                    stack.format_arn(service="sagemaker", resource="processing-job", resource_name="*"),
                    stack.format_arn(service="sagemaker", resource="training-job", resource_name="*"),
                ],
            ),
            iam.PolicyStatement(
                sid="PassThisRoleToTheJobs",
                actions=["iam:PassRole"],
                resources=[role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            ),
            iam.PolicyStatement(
                sid="JobLogs",
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[
                    stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=f"/aws/sagemaker/{kind}:*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                    for kind in ("ProcessingJobs", "TrainingJobs")
                ],
            ),
            iam.PolicyStatement(
                sid="PullTheScikitLearnImage",
                actions=[
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                resources=[self._image_repository_arn],
            ),
            iam.PolicyStatement(sid="EcrLogin", actions=["ecr:GetAuthorizationToken"], resources=["*"]),
            iam.PolicyStatement(
                sid="JobMetrics",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}},
            ),
        ]

    def _acknowledge(self, role: iam.Role, registry: GovernedRegistry, prefix: str) -> None:
        """cdk-nag findings on the execution role, each with why its wildcard is the narrowest possible."""
        registry.acknowledge_version_wildcard(role)
        artifacts = rendered_reference(cdk.Stack.of(registry), registry.artifact_bucket.bucket_arn)
        jobs = "arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>"
        logs = "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker"
        read = (
            "CDK's read grant on the registry's artifact bucket, limited to the prefixes the pipeline reads."
        )
        write = "CDK's read-write grant, limited to the pipeline's own prefix of the artifact bucket."
        kms = "The registry's key only: the artifact bucket is KMS-encrypted (granted with the bucket)."
        reasons = {
            "Action::s3:GetObject*": read,
            "Action::s3:GetBucket*": read,
            "Action::s3:List*": read + " Step inputs are S3 prefixes, which the jobs list.",
            "Action::s3:DeleteObject*": write + " A retried step overwrites its own outputs.",
            "Action::s3:Abort*": write + " Aborts a failed multipart upload of a model artifact.",
            "Action::kms:GenerateDataKey*": kms,
            "Action::kms:ReEncrypt*": kms,
            f"Resource::{artifacts}/{prefix}": "Every execution writes under its own execution ID below the "
            "pipeline's prefix; IDs are created at run time.",
            f"Resource::{artifacts}/datasets/*": "Training data sets are read from the datasets/ prefix only; "
            "which file an execution reads is its InputDataUrl parameter.",
            f"Resource::{jobs}:processing-job/*": "SageMaker Pipelines names each step's job at run time "
            "(pipelines-<execution>-<step>-<suffix>); the actions are only create/describe/stop/tag.",
            f"Resource::{jobs}:training-job/*": "SageMaker Pipelines names each step's job at run time; the "
            "actions are only create/describe/stop/tag.",
            f"Resource::{logs}/ProcessingJobs:*": "SageMaker writes every processing job's logs to this one "
            "log group, one stream per job created at run time.",
            f"Resource::{logs}/TrainingJobs:*": "SageMaker writes every training job's logs to this one log "
            "group, one stream per job created at run time.",
            "Resource::*": "ecr:GetAuthorizationToken has no resource type; cloudwatch:PutMetricData has none "
            "either and is limited to SageMaker's namespaces by a condition.",
        }
        for finding, reason in reasons.items():
            cdk.Validations.of(role).acknowledge(
                cdk.Acknowledgment(id=f"AwsSolutions::AwsSolutions-IAM5[{finding}]", reason=reason)
            )


def _code_key(name: str, asset: s3_assets.Asset) -> tuple[str, str]:
    """(placeholder, the asset's key without its extension): the swap that puts the real code in."""
    placeholder, suffix = CODE_KEYS[name]
    key = asset.s3_object_key
    if not key.endswith(suffix):
        raise ValueError(
            f"the {name} asset's key {key!r} does not end in {suffix!r}; the placeholder cannot match"
        )
    return placeholder, key.removesuffix(suffix)


def build_train_archive() -> Path:
    """``sourcedir.tar.gz`` for the training container, byte-identical for identical sources.

    Fixed mtimes, owners and order, and a gzip header without a timestamp: the CDK asset hash (and so the
    template) changes only when the code does.
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in TRAIN_ARCHIVE_FILES:
            data = (STEPS_DIR / name).read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    packed = gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0)
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    target = BUILD_DIR / "sourcedir.tar.gz"
    if not target.is_file() or target.read_bytes() != packed:
        staging = BUILD_DIR / f".sourcedir.{os.getpid()}.tmp"
        staging.write_bytes(packed)
        os.replace(staging, target)  # atomic: parallel synths never see a half-written archive
    return target
