"""Does a deployer Lambda's own role allow the AWS calls it makes, in the state it makes them?

moto does not enforce IAM, so the flow tests alone would pass with any policy. This module records the calls
the handlers make through their boto3 clients, each with the stored state of the model package it acts on
as it is just before the call (the ``sagemaker:Current*`` keys the deployer policies test), and decides
each with the project's IAM evaluator (``modelops.local.iam``) over the synthesized policies.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelops.deploy.clients import Clients, default_clients
from modelops.local.embedded import EmbeddedAWS
from modelops.local.iam import Assembly, Authorizer, Environment, Identity, Target, collect

HANDLER_MODULE = "modelops.deploy.handlers."


@dataclass(frozen=True)
class Call:
    handler: str
    service: str
    operation: str
    params: dict[str, Any] = field(hash=False, compare=False)
    target: Target = field(default_factory=Target, hash=False, compare=False)


@dataclass(frozen=True)
class Roles:
    """Each handler's role as the synthesized templates define it, and an authorizer for its calls."""

    authorizer: Authorizer
    by_handler: dict[str, Identity]

    @classmethod
    def of(cls, cdk_out: Path, aws: EmbeddedAWS) -> Roles:
        env = Environment(account=aws.account_id, region=aws.region)
        principals = collect(Assembly.from_cdk_out(cdk_out, env))
        by_handler = {
            f.handler.removeprefix(HANDLER_MODULE).removesuffix(".handler"): principals.by_arn(f.role_arn)
            for f in principals.functions.values()
            if f.handler.startswith(HANDLER_MODULE)
        }
        return cls(Authorizer(principals, env), by_handler)

    def refusal(self, call: Call) -> str | None:
        verdict = self.authorizer.decide(
            self.by_handler[call.handler], call.service, call.operation, call.params, target=call.target
        )
        return None if verdict.allowed else verdict.explain()


def _calling_handler() -> str | None:
    for frame in inspect.stack(0):
        module = str(frame.frame.f_globals.get("__name__", ""))
        if module.startswith(HANDLER_MODULE) and not module.endswith("._common"):
            return module.removeprefix(HANDLER_MODULE)
    return None


def _target(aws: EmbeddedAWS, service: str, params: dict[str, Any]) -> Target:
    """What the call acts on, as stored now (read with a client of the test's, so it is not recorded)."""
    package = params.get("ModelPackageArn") or params.get("ModelPackageName")
    if service == "sagemaker" and package:
        described = aws.client("sagemaker").describe_model_package(ModelPackageName=package)
        return Target.from_model_package(described)
    if service in ("s3", "sns"):  # the artifact bucket's objects and the topic use the registry's key
        return Target(kms_key_arn=str(aws.output("ArtifactKeyArn")))
    return Target()


@contextmanager
def recorded_handler_calls(aws: EmbeddedAWS) -> Iterator[list[Call]]:
    """Every call made through the deployer's own clients (not the emulator's), with the handler making it
    and the state of what it acts on."""
    calls: list[Call] = []
    clients: Clients = default_clients()  # the cached clients every handler invocation uses

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        handler = _calling_handler()
        if handler is not None:
            service = model.service_model.service_name
            target = _target(aws, service, params)
            calls.append(Call(handler, service, model.name, dict(params), target))

    hooked = [clients.sagemaker, clients.runtime, clients.s3, clients.sns]
    for client in hooked:
        client.meta.events.register("before-parameter-build.*.*", record, unique_id="iam-check")
    try:
        yield calls
    finally:
        for client in hooked:
            client.meta.events.unregister("before-parameter-build.*.*", unique_id="iam-check")
