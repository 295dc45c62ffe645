"""The embedded AWS, in-process: moto with the patches applied, provisioned from ``cdk.out``.

    with embedded_aws(Path("cdk.out")) as aws:
        sm = aws.client("sagemaker")
        ...                      # register, approve: events queue up
        aws.settle()             # endpoint transitions run, handlers react, until nothing is left to do
        aws.output("ArtifactBucketName")

Only one embedded AWS runs per process at a time (moto's backends are process-wide). The patches
(``modelops.local.patches``) are applied when it starts and undone when it stops: outside the block moto is
moto again.

IAM is enforced (``iam=True``, the default): every request is decided against the provisioned templates'
policies for the principal whose keys signed it (``modelops.local.iam.enforcement``). Clients made with
``aws.client(...)`` hold the account administrator's keys; ``aws.client(..., role="data-scientist")`` a
session of that role. ``iam=False`` (moto's own test suite, which signs with arbitrary keys) enforces nothing.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from modelops.local.clock import CLOCK, Clock
from modelops.local.dispatcher import DeliveryMode, Dispatcher
from modelops.local.faults import FAULTS, Faults
from modelops.local.iam.cfn import Environment
from modelops.local.iam.enforcement import LAYER, Enforcer, Keys, enforcer_for
from modelops.local.provision import Function, Provisioned
from modelops.local.schedules import Schedules

ACCOUNT_ID = "123456789012"  # moto's default account
DEFAULT_REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class NotSettled(RuntimeError):
    """Events or endpoint transitions were still pending when ``settle`` ran out of time or rounds."""


class AlreadyRunning(RuntimeError):
    """An embedded AWS is already running in this process."""


class OutputNotFound(KeyError):
    """No stack, or more than one, has an output of that name."""


_active = False


@dataclass
class EmbeddedAWS:
    region: str
    account_id: str
    dispatcher: Dispatcher
    provisioned: Provisioned
    endpoint_url: str | None = None  # set when serving over HTTP
    faults: Faults = FAULTS
    clock: Clock = CLOCK
    iam: Enforcer | None = None  # None: IAM not enforced
    schedules: Schedules | None = None  # the templates' scheduled rules (None: none provisioned)

    def credentials(self, role: str) -> Keys:
        """Keys of a session of ``role`` (``data-scientist``, ``approver``, or a role's physical name)."""
        if self.iam is None:
            raise RuntimeError("IAM is not enforced on this embedded AWS: every key is the same to it")
        return self.iam.callers.issue_for(role)

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        """Stack outputs resolved to local values, by stack name."""
        return self.provisioned.outputs

    def output(self, name: str) -> Any:
        """The value of the output ``name``, which exactly one stack must declare."""
        found = [outputs[name] for outputs in self.outputs.values() if name in outputs]
        if len(found) != 1:
            stacks = ", ".join(self.outputs) or "none"
            raise OutputNotFound(f"{len(found)} stacks declare output {name!r} (stacks: {stacks})")
        return found[0]

    def client(self, service: str, *, role: str | None = None, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` on this embedded AWS: the administrator's, or ``role``'s."""
        from modelops.deploy.clients import session as shared_models_session

        options: dict[str, Any] = {"region_name": self.region, **kwargs}
        if role is not None:
            keys = self.credentials(role)
            options.update(
                aws_access_key_id=keys.access_key_id,
                aws_secret_access_key=keys.secret_access_key,
                aws_session_token=keys.session_token,
            )
        if self.endpoint_url is not None:
            options.setdefault("endpoint_url", self.endpoint_url)
        # A fresh session reads the credentials now (the local server makes its own at start).
        factory: Any = shared_models_session().client  # typed per service literal; the name is a plain str
        return factory(service, **options)

    def fire_schedules(self) -> int:
        """Fire every scheduled rule once now, as if its period had passed; return how many fired. The
        events are delivered by the next ``settle`` (or the server's loop)."""
        fired = self.schedules.fire_all() if self.schedules else []
        for rule, event in fired:
            self.dispatcher.enqueue_for(rule, event)
        return len(fired)

    def tick_schedules(self) -> int:
        """Queue the events of the scheduled rules whose time came."""
        fired = self.schedules.due() if self.schedules else []
        for rule, event in fired:
            self.dispatcher.enqueue_for(rule, event)
        return len(fired)

    def settle(self, timeout: float = 30.0, max_rounds: int = 1000) -> int:
        """Run endpoint transitions as they fall due and dispatch events until nothing is pending.

        Waits for transitions scheduled with a delay (up to ``timeout`` seconds); returns the number of
        handler deliveries made; raises ``NotSettled`` if work remains after ``timeout`` or ``max_rounds``.
        """
        deadline = time.monotonic() + timeout
        made = 0
        from modelops.local.shadow_traffic import WORKER

        for _ in range(max_rounds):
            # Shadow copies and data capture written first: a handler reacting next may read them.
            WORKER.wait_idle(max(0.0, deadline - time.monotonic()))
            ran = self.clock.tick()
            self.tick_schedules()  # never waited for: a schedule always has a next firing
            delivered = self.dispatcher.dispatch_pending()
            made += delivered
            if ran or delivered or self.dispatcher.pending():
                continue
            wait = self.clock.next_due_in()
            if wait is None:
                return made
            if time.monotonic() + wait > deadline:
                break
            time.sleep(wait)
        raise NotSettled(
            f"still pending after settle: {self.dispatcher.pending()} events, {self.clock.pending()} endpoint "
            "transitions (a handler that keeps emitting events, or a transition delay longer than the timeout)"
        )


def start(
    cdk_out: Path | None,
    region: str,
    endpoint_delay_seconds: float,
    delivery: DeliveryMode,
    base_environment: dict[str, str] | None = None,
    concurrency: int = 1,
    *,
    iam: bool = True,
    admin_keys: dict[str, str] | None = None,
) -> EmbeddedAWS:
    """Patch moto, provision from the templates and wire the dispatcher (moto must be active already).

    ``admin_keys`` (access key -> secret) are the account administrator's (default: the fake in-process
    keys). If provisioning fails, the patches are undone before the error propagates.
    """
    from modelops.local import events
    from modelops.local.patches import lambda_invocations, registry

    registry().apply()
    try:
        CLOCK.clear()
        CLOCK.delay_seconds = endpoint_delay_seconds
        FAULTS.clear()
        aws = _provisioned(cdk_out, region, delivery, base_environment, concurrency)
        if iam:
            keys = admin_keys or _environment_keys()
            aws.iam = enforcer_for(cdk_out, Environment(account=ACCOUNT_ID, region=region), keys)
            aws.dispatcher.credentials = _function_credentials(aws.iam)
            LAYER.install(aws.iam)
    except BaseException:
        LAYER.uninstall()
        registry().undo()
        raise
    events.add_listener(aws.dispatcher.enqueue)
    lambda_invocations.attach(aws.dispatcher)
    return aws


def _provisioned(
    cdk_out: Path | None,
    region: str,
    delivery: DeliveryMode,
    base_environment: dict[str, str] | None,
    concurrency: int = 1,
) -> EmbeddedAWS:
    from modelops.local.provision import provision
    from modelops.local.templates import load_stacks

    stacks = load_stacks(cdk_out) if cdk_out is not None and cdk_out.is_dir() else []
    provisioned = provision(stacks, ACCOUNT_ID, region)
    dispatcher = Dispatcher(
        provisioned.rules,
        provisioned.functions,
        region=region,
        mode=delivery,
        base_environment=base_environment,
        concurrency=concurrency,
    )
    aws = EmbeddedAWS(region=region, account_id=ACCOUNT_ID, dispatcher=dispatcher, provisioned=provisioned)
    aws.schedules = Schedules(provisioned.schedules, region=region, account=ACCOUNT_ID)
    register_stack_outputs(aws)
    return aws


def _environment_keys() -> dict[str, str]:
    """The keys in the environment now (moto's ``mock_aws`` sets its own fake pair): the administrator's."""
    key = os.environ.get("AWS_ACCESS_KEY_ID", FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"])
    return {key: os.environ.get("AWS_SECRET_ACCESS_KEY", "")}


def _function_credentials(enforcer: Enforcer) -> Any:
    """The keys each function's handler runs with: a session of its execution role named after the function,
    as Lambda's runtime sets them (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``)."""

    def credentials(function: Function) -> dict[str, str]:
        role = enforcer.callers.principals.functions.get(function.name)
        if role is None:
            return {}  # a function of no synthesized template: it runs with the caller's keys
        return enforcer.callers.issue(role.role_arn, function.name).environment()

    return credentials


def stop(aws: EmbeddedAWS) -> None:
    """Disconnect the dispatcher, forget pending transitions and faults, and undo every patch."""
    from modelops.local import events
    from modelops.local.patches import lambda_invocations, registry
    from modelops.local.shadow_traffic import WORKER

    WORKER.wait_idle(10.0)  # no shadow copy or capture of this run may land in the next one's backends
    if aws.iam is not None:
        LAYER.uninstall()
    events.remove_listener(aws.dispatcher.enqueue)
    lambda_invocations.detach()
    CLOCK.clear()
    FAULTS.clear()
    registry().undo()


@contextmanager
def embedded_aws(
    cdk_out: Path | None = Path("cdk.out"),
    *,
    region: str = DEFAULT_REGION,
    endpoint_delay_seconds: float = 0.0,
    delivery: DeliveryMode = "once",
    concurrency: int = 1,
    iam: bool = True,
) -> Iterator[EmbeddedAWS]:
    """Run the embedded AWS in this process for the duration of the block.

    ``cdk_out``: a cloud assembly (or any folder of ``*.template.json``) to provision from; a missing folder
    or None provisions nothing. Any boto3 client created inside the block talks to the emulator.
    ``iam``: enforce IAM (default) or not.
    """
    global _active
    if _active:
        raise AlreadyRunning("an embedded AWS is already running in this process; nest nothing")
    from moto.core.decorator import mock_aws

    # A real endpoint URL in the environment would send clients past the in-process emulator.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_ENDPOINT_URL")}
    environment.update({**FAKE_CREDENTIALS, "AWS_DEFAULT_REGION": region, "AWS_REGION": region})
    with mock.patch.dict(os.environ, environment, clear=True), mock_aws():
        _active = True
        try:
            aws = start(cdk_out, region, endpoint_delay_seconds, delivery, concurrency=concurrency, iam=iam)
            try:
                yield aws
            finally:
                stop(aws)
        finally:
            _active = False


def register_stack_outputs(aws: EmbeddedAWS) -> None:
    """Make ``cloudformation describe-stacks`` answer with each stack's (local) outputs.

    The stacks are created from a template holding only the outputs, as literals: the resources are
    already provisioned, and moto's CloudFormation could not create them anyway.
    """
    from moto.cloudformation.models import cloudformation_backends

    backend = cloudformation_backends[aws.account_id][aws.region]
    for stack_name, outputs in aws.outputs.items():
        template = {
            "Resources": {"Provisioned": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {
                name: {"Value": value if isinstance(value, str) else json.dumps(value)}
                for name, value in outputs.items()
            },
        }
        with warnings.catch_warnings():  # moto warns that it creates nothing for the placeholder: intended
            warnings.simplefilter("ignore")
            backend.create_stack(name=stack_name, template=json.dumps(template), parameters={})
