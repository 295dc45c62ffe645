"""Whose keys a local pipeline run uses: the caller's for what the caller does, the pipeline's role's for the steps.

In AWS a person starts an execution with their own credentials (StartPipelineExecution) and SageMaker runs
every step under the pipeline's execution role: "RoleArn: The Amazon Resource Name (ARN) of the role used
by the pipeline to access and create resources" (CreatePipeline, SageMaker API reference); the role trusts
``sagemaker.amazonaws.com``, so no person can assume it. ``modelops local run-pipeline`` stands in for
SageMaker here, so it takes a session of that role from the embedded STS, as the dispatcher takes each
function's role for its handler (``modelops.local.embedded``), and writes the artifacts and registers the
version with it. Where no such session can be had (a real account, or the local server from another
process), the steps run with the caller's keys, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelops.local.execution_recorder import is_aws_endpoint

# (role ARN, session name) -> the session's keys as Lambda and SageMaker set them in the environment
# (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), or None when the role is unknown here.
RoleSessions = Callable[[str, str], dict[str, str] | None]


@dataclass(frozen=True)
class StepClients:
    """The clients the steps use (artifact writes, registration, step records) and whose they are."""

    sagemaker: Any
    s3: Any
    role_arn: str | None  # None: the caller's own clients


def embedded_role_sessions(aws: Any) -> RoleSessions | None:
    """Sessions of the roles the embedded AWS ``aws`` knows from its templates (None: IAM not enforced)."""
    enforcer = getattr(aws, "iam", None)
    if enforcer is None:
        return None

    def issue(role_arn: str, session_name: str) -> dict[str, str] | None:
        try:
            enforcer.callers.principals.by_arn(role_arn)
        except KeyError:
            return None  # a role no template defines holds no policy here: the caller's keys it is
        keys: dict[str, str] = enforcer.callers.issue(role_arn, session_name).environment()
        return keys

    return issue


def step_clients(
    sagemaker_client: Any, s3_client: Any, role_arn: str | None, sessions: RoleSessions | None, session: str
) -> StepClients:
    """Clients of a session of ``role_arn`` at the caller's endpoint, or the caller's own when none is had."""
    keys = sessions(role_arn, session) if sessions is not None and role_arn else None
    if keys is None:
        return StepClients(sagemaker_client, s3_client, None)
    return StepClients(_like(sagemaker_client, keys), _like(s3_client, keys), role_arn)


def _like(client: Any, keys: dict[str, str]) -> Any:
    from modelops.deploy.clients import session as shared_models_session

    options: dict[str, Any] = {
        "region_name": client.meta.region_name,
        "aws_access_key_id": keys["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": keys["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": keys.get("AWS_SESSION_TOKEN"),
        "config": client.meta.config,
    }
    endpoint = str(client.meta.endpoint_url)
    if not is_aws_endpoint(endpoint):
        options["endpoint_url"] = endpoint  # the local server; AWS's own endpoints follow from the region
    factory: Any = shared_models_session().client
    return factory(client.meta.service_model.service_name, **options)
