"""The synthesized app's policies, resolved once per session, and the names a test needs to build calls.

Names come from stack outputs and from the functions' own properties (handler, role, environment), never
from logical IDs, so a refactoring of the constructs keeps these tests meaningful.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from modelops.local.iam import (
    Assembly,
    Authorizer,
    Environment,
    Identity,
    Principal,
    Principals,
    Target,
    Verdict,
    collect,
)

ENV = Environment(account="111122223333", region="us-east-1")
HANDLERS = "modelops.deploy.handlers."


@dataclass(frozen=True)
class World:
    assembly: Assembly
    principals: Principals
    authorizer: Authorizer

    def output(self, suffix: str, name: str) -> Any:
        stack = next(s for s in self.assembly.templates if s.endswith(suffix))
        return self.assembly.stack(stack).output(name)

    @property
    def group(self) -> str:
        return str(self.output("-registry", "ModelPackageGroupName"))

    @property
    def bucket(self) -> str:
        return str(self.output("-registry", "ArtifactBucketName"))

    @property
    def key_arn(self) -> str:
        return str(self.output("-registry", "ArtifactKeyArn"))

    @property
    def topic_arn(self) -> str:
        return str(self.output("-registry", "LifecycleTopicArn"))

    @property
    def staging(self) -> str:
        return str(self.output("-deployment", "StagingEndpointName"))

    @property
    def production(self) -> str:
        return str(self.output("-deployment", "ProductionEndpointName"))

    @property
    def execution_role_arn(self) -> str:
        """The production endpoint's model execution role."""
        return str(self.output("-deployment", "ModelExecutionRoleArn"))

    @property
    def staging_execution_role_arn(self) -> str:
        return str(self.output("-deployment", "StagingModelExecutionRoleArn"))

    def package(self, version: int) -> str:
        return f"arn:aws:sagemaker:{ENV.region}:{ENV.account}:model-package/{self.group.lower()}/{version}"

    def endpoint_arn(self, name: str) -> str:
        return f"arn:aws:sagemaker:{ENV.region}:{ENV.account}:endpoint/{name}"

    def config_arn(self, name: str) -> str:
        return f"arn:aws:sagemaker:{ENV.region}:{ENV.account}:endpoint-config/{name}"

    def who(self, name: str) -> Identity:
        """A human role (``data-scientist``, ``approver``), a handler's role (``deploy_staging``...), the
        model execution role (``model``) or the training pipeline's role (``pipeline``)."""
        if name == "model":
            return self.principals.by_arn(self.execution_role_arn)
        if name == "staging-model":
            return self.principals.by_arn(self.staging_execution_role_arn)
        if name == "pipeline":
            return self.principals.by_arn(str(self.output("-pipeline", "PipelineExecutionRoleArn")))
        for function in self.principals.functions.values():
            if function.handler == f"{HANDLERS}{name}.handler":
                return self.principals.by_arn(function.role_arn)
        return self.principals.identity(name)

    def service(self, name: str) -> Principal:
        return Principal.for_service(name, ENV.account)

    def decide(
        self,
        who: str | Principal,
        service: str,
        operation: str,
        params: Mapping[str, Any],
        target: Target | None = None,
        **kwargs: Any,
    ) -> Verdict:
        caller = who if isinstance(who, Principal) else self.who(who)
        return self.authorizer.decide(caller, service, operation, params, target=target, **kwargs)

    def rollback_alarms(self) -> list[str]:
        deploy = next(f for f in self.assembly.templates if f.endswith("-deployment"))
        for resource in self.assembly.templates[deploy]["Resources"].values():
            variables = resource.get("Properties", {}).get("Environment", {}).get("Variables", {})
            if "MODELOPS_ROLLBACK_ALARMS" in variables:
                return str(variables["MODELOPS_ROLLBACK_ALARMS"]).split(",")
        raise LookupError("no function names the rollback alarms")


@pytest.fixture(scope="session")
def world(synthesized_cdk_out: Path) -> World:
    assembly = Assembly.from_cdk_out(synthesized_cdk_out, ENV)
    principals = collect(assembly)
    return World(assembly, principals, Authorizer(principals, ENV))
