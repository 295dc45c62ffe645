"""The must-not table, behaviourally: every case is a real call on the embedded AWS, signed with a session of
the role in question, and the embedded AWS refuses it with the service's own error; every must-be-allowed
case gets past IAM (whatever the service then answers about the resource).

The stored state a case depends on (a version's approval, stage and evidence) is put in place first, as the
system would have left it. Cases made by a service principal (an alarm publishing, EventBridge invoking) or
over plain HTTP (``aws:SecureTransport`` false) cannot be signed by a client and are decided on the policies
only (``test_must_not.py``); they are skipped here with that reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.local.iam import Assembly, Authorizer, Environment, Target, collect
from tests.local.iam.calls import Call
from tests.local.iam.conftest import World
from tests.local.iam.test_must_be_allowed import MUST_BE_ALLOWED, RECORDS
from tests.local.iam.test_must_not import MUST_NOT, MUST_NOT_EXTRA

DENIED = {"AccessDeniedException", "AccessDenied", "AuthorizationError"}
VERSIONS = 4  # versions registered up front, so every case's version exists


@dataclass(frozen=True)
class LiveWorld(World):
    env: Environment

    def package(self, version: int) -> str:
        e = self.env
        return f"arn:aws:sagemaker:{e.region}:{e.account}:model-package/{self.group.lower()}/{version}"

    def endpoint_arn(self, name: str) -> str:
        return f"arn:aws:sagemaker:{self.env.region}:{self.env.account}:endpoint/{name}"

    def config_arn(self, name: str) -> str:
        return f"arn:aws:sagemaker:{self.env.region}:{self.env.account}:endpoint-config/{name}"


@pytest.fixture(scope="module")
def live(synthesized_cdk_out: Path) -> Iterator[tuple[EmbeddedAWS, LiveWorld]]:
    with embedded_aws(synthesized_cdk_out) as aws:
        env = Environment(account=aws.account_id, region=aws.region)
        assembly = Assembly.from_cdk_out(synthesized_cdk_out, env)
        principals = collect(assembly)
        world = LiveWorld(assembly, principals, Authorizer(principals, env), env)
        sm = aws.client("sagemaker")
        for _ in range(VERSIONS):
            sm.create_model_package(
                ModelPackageGroupName=world.group,
                InferenceSpecification={
                    "Containers": [{"Image": "img", "ModelDataUrl": f"s3://{world.bucket}/m.tar.gz"}],
                    "SupportedContentTypes": ["application/json"],
                    "SupportedResponseMIMETypes": ["application/json"],
                },
                ModelApprovalStatus="PendingManualApproval",
            )
        yield aws, world


def _store(aws: EmbeddedAWS, params: dict[str, Any], target: Target) -> None:
    """Leave the version the call acts on in the state the case describes (as the system would have)."""
    from moto.sagemaker.models import sagemaker_backends

    name = params.get("ModelPackageArn") or params.get("ModelPackageName") or params.get("ResourceArn")
    if not name or ":model-package/" not in str(name):
        return
    backend = sagemaker_backends[aws.account_id][aws.region]
    package = backend.model_packages.get(backend.model_package_name_mapping.get(name, name))
    if package is None:
        return
    package.model_approval_status = target.approval_status or "PendingManualApproval"
    package.model_life_cycle = (
        {"Stage": target.stage, "StageStatus": target.stage_status or ""} if target.stage else None
    )
    package.customer_metadata_properties = dict(target.metadata)
    package.tags = [{"Key": k, "Value": v} for k, v in target.tags.items()]


def _call(aws: EmbeddedAWS, world: LiveWorld, call: Call) -> ClientError | None:
    if call.who.startswith("service:"):
        pytest.skip("made by a service principal: no client signs it (decided on the policies only)")
    if not call.secure_transport:
        pytest.skip("aws:SecureTransport false: the embedded AWS's one deviation (decided on the policies)")
    params = call.params(world)
    target = call.target(world) if callable(call.target) else call.target
    _store(aws, params, target)
    client = aws.client(call.service, role=world.who(call.who).name)
    # The policy-level builders share helpers across operations; send only what this operation takes.
    members = client.meta.service_model.operation_model(call.operation).input_shape.members
    try:
        getattr(client, xform_name(call.operation))(**{k: v for k, v in params.items() if k in members})
    except ClientError as error:
        return error
    except AttributeError as crash:
        # moto's ListTags crashes on an endpoint that does not exist (it answers no ResourceNotFound): that
        # is the service, after IAM let the call through; IAM refusals are always ClientErrors.
        assert "tags" in str(crash), crash
    return None


@pytest.mark.parametrize("call", [*MUST_NOT, *MUST_NOT_EXTRA])
def test_refused_on_the_embedded_aws(live: tuple[EmbeddedAWS, LiveWorld], call: Call) -> None:
    aws, world = live
    error = _call(aws, world, call)
    assert error is not None, "the embedded AWS allowed it"
    code = error.response["Error"]["Code"]
    assert code in DENIED, error
    assert "is not authorized to perform" in error.response["Error"]["Message"]


@pytest.mark.parametrize("call", [*MUST_BE_ALLOWED, *RECORDS])
def test_allowed_on_the_embedded_aws(live: tuple[EmbeddedAWS, LiveWorld], call: Call) -> None:
    aws, world = live
    error = _call(aws, world, call)
    if error is not None:
        assert error.response["Error"]["Code"] not in DENIED, error.response["Error"]["Message"]
