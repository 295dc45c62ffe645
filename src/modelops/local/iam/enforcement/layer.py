"""IAM enforced on every request the embedded AWS serves, in-process and through the loopback server.

Both paths end in moto's response classes, which call ``_authenticate_and_authorize_action`` before they
serve an operation (S3 through ``_authenticate_and_authorize_s3_action``): the one place that sees every
request with its headers. :class:`IamLayer` wraps it while an embedded AWS with enforcement runs
(``install``/``uninstall``, reversible, and per embedded AWS: the layer holds the :class:`Enforcer` of the
one running, and an embedded AWS started with ``iam=False`` installs none).

For each request the enforcer reads the call (``wire``), maps its access key to a caller (``callers``),
reads the stored state it depends on (``stored``), and decides it with :class:`Authorizer` over the
provisioned assembly's policies. Refused, unmapped, or signed by no known key: the service's own error
(``refusal``). Never allowed by default.

One deviation from AWS, and only one: ``aws:SecureTransport`` is ``true`` for every request. In-process
clients do use ``https://`` endpoints (moto intercepts them before any socket); the loopback server speaks
plain HTTP to 127.0.0.1, where the traffic never leaves the machine. Evaluating those requests as
``false`` would make every policy's TLS-only Deny refuse the local workflow; serving TLS would need a
certificate every client trusts (``AWS_CA_BUNDLE``) for no protection the loopback lacks. The must-not
suite checks the TLS Deny on the synthesized policies instead (``tests/local/iam``).
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modelops.local.iam.authorizer import Authorizer
from modelops.local.iam.cfn import Assembly, Environment
from modelops.local.iam.enforcement import stored, wire
from modelops.local.iam.enforcement.callers import Callers
from modelops.local.iam.enforcement.refusal import AccessDenied, message
from modelops.local.iam.errors import IamError
from modelops.local.iam.principals import Principals, collect


@dataclass
class Counters:
    """What enforcement did: evaluations made, refusals, and the time each evaluation took."""

    evaluations: int = 0
    refused: int = 0
    unmapped: set[str] = field(default_factory=set)
    refusals: list[str] = field(default_factory=list)  # "service:Operation: message", in order
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> str:
        if not self.seconds:
            return f"{self.evaluations} evaluations"
        ordered = sorted(self.seconds)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (
            f"{self.evaluations} evaluations, {self.refused} refused, median "
            f"{statistics.median(ordered) * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us"
        )


class Enforcer:
    def __init__(self, authorizer: Authorizer, callers: Callers) -> None:
        self.authorizer, self.callers = authorizer, callers
        self.counters = Counters()
        self._lock = threading.Lock()

    def check(self, response: Any) -> None:
        """Raise :class:`AccessDenied` unless IAM allows the request ``response`` is about to serve."""
        started = time.perf_counter()
        call = wire.read(response)
        try:
            self._decide(call)
        finally:
            with self._lock:
                self.counters.evaluations += 1
                self.counters.seconds.append(time.perf_counter() - started)

    def _decide(self, call: wire.WireCall) -> None:
        caller = self.callers.resolve(call.access_key)
        if caller is None:
            self._refuse(
                call,
                f"The security token included in the request is invalid: access key {call.access_key} "
                "was not issued by this embedded AWS",
            )
            return
        env = self.authorizer.env
        target = stored.target(call.service, call.operation, call.params, env.account, env.region)
        try:
            verdict = self.authorizer.decide(
                caller.identity, call.service, call.operation, call.params, target=target
            )
        except IamError as error:  # unmapped, or a mapping the reference contradicts: refused, loudly
            with self._lock:
                self.counters.unmapped.add(f"{call.service}:{call.operation}")
            self._refuse(call, f"User: {caller.session_arn} is not authorized to perform: {error}")
            return
        refusal = verdict.refusal
        if refusal is not None:
            self._refuse(call, message(refusal, caller.session_arn))

    def _refuse(self, call: wire.WireCall, text: str) -> None:
        with self._lock:
            self.counters.refused += 1
            self.counters.refusals.append(f"{call.service}:{call.operation}: {text}")
        raise AccessDenied(call.service, call.protocol, text)


_CHECKED = "_modelops_iam_checked"


class IamLayer:
    """The wrap of moto's authorization hook; ``enforcer`` is the running embedded AWS's, or None."""

    def __init__(self) -> None:
        self.enforcer: Enforcer | None = None
        self._original: Any = None
        # What every embedded AWS of this process enforced, added up when each stops (the test run's count).
        self.evaluations = 0
        self.refused = 0

    def install(self, enforcer: Enforcer) -> None:
        from moto.core.authorization import ActionAuthenticatorMixin

        if self._original is None:
            self._original = ActionAuthenticatorMixin.__dict__["_authenticate_and_authorize_action"]
            layer = self

            def authorize(response: Any, iam_request_cls: type, resource: str = "*") -> None:
                active = layer.enforcer
                # S3 authorizes some requests twice (the bucket, then the key): decide each request once.
                if active is not None and not getattr(response, _CHECKED, False):
                    setattr(response, _CHECKED, True)
                    active.check(response)
                layer._original(response, iam_request_cls, resource)

            ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize  # type: ignore[method-assign,assignment]
        self.enforcer = enforcer

    def uninstall(self) -> None:
        from moto.core.authorization import ActionAuthenticatorMixin

        if self.enforcer is not None:
            self.evaluations += self.enforcer.counters.evaluations
            self.refused += self.enforcer.counters.refused
        self.enforcer = None
        if self._original is not None:
            ActionAuthenticatorMixin._authenticate_and_authorize_action = self._original  # type: ignore[method-assign]
            self._original = None


LAYER = IamLayer()


def enforcer_for(cdk_out: Path | None, env: Environment, admin_keys: dict[str, str]) -> Enforcer:
    """An enforcer over the policies of the assembly in ``cdk_out`` (none: only the administrator)."""
    if cdk_out is not None and cdk_out.is_dir() and any(cdk_out.glob("*.template.json")):
        principals = collect(Assembly.from_cdk_out(cdk_out, env))
    else:
        principals = Principals({}, {}, {})
    return Enforcer(Authorizer(principals, env), Callers(principals, env, dict(admin_keys)))
