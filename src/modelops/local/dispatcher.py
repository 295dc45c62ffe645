"""EventBridge-to-Lambda, played locally: the rules of the synthesized templates, the handler code in-process.

Each queued event is matched against every rule with moto's own pattern matcher (a wrong pattern fails here
as it would in AWS); each Lambda target's ``Handler`` is imported by its dotted path and called with the
event and a Lambda context, with the function's template ``Environment`` set for the call.

Failures follow Lambda's asynchronous invocation (which is how EventBridge calls Lambda): a handler that
raises is retried ``MaximumRetryAttempts`` times (2 unless an ``AWS::Lambda::EventInvokeConfig`` says
otherwise), then the event goes to the function's ``DeadLetterConfig`` queue/topic or its ``OnFailure``
destination, and is always recorded in ``dead_letters``. (A rule target's own DeadLetterConfig only
receives events EventBridge could not deliver to Lambda at all, which cannot happen in-process.)

Delivery modes, for testing idempotence: ``once`` (default), ``duplicated`` (every batch is delivered a
second time after the first), ``reordered`` (every batch is delivered newest first). ``concurrency`` above 1
delivers a batch's events on that many threads at once, as EventBridge and Lambda do in AWS.

Timeouts: a thread cannot be killed, so a handler is not stopped at its function's ``Timeout``. Instead
the handler gets a Lambda context whose ``get_remaining_time_in_millis()`` counts down from that Timeout
(handlers bound their work by it, as in AWS), and an invocation that returns after its Timeout counts as
failed, "Task timed out", as Lambda records it: it is retried, then dead-lettered, whatever it did meanwhile
(which idempotent handlers must survive: in AWS the work up to the kill is done too). A process per
invocation could kill, but could not share the in-process emulator's state, which the handlers act on.
"""

from __future__ import annotations

import importlib
import json
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from modelops.local import logs_target
from modelops.local.events import Event
from modelops.local.lock import LOCK
from modelops.local.provision import Function, Rule

DeliveryMode = Literal["once", "duplicated", "reordered"]
DELIVERY_MODES: tuple[str, ...] = ("once", "duplicated", "reordered")


class HandlerImportError(RuntimeError):
    """A function's ``Handler`` does not name an importable ``module.function``."""


class ConcurrentEnvironmentError(RuntimeError):
    """Functions delivered concurrently need different values of one environment variable.

    They share this process's ``os.environ``; in AWS each has its own.
    """


# Set per function by Lambda; left out when functions run at once (their contexts still carry them).
_PER_FUNCTION = ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION")


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _deadline: float = 0.0

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_seconds
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Delivery:
    """One event handed to one function: the outcome after Lambda's retries."""

    event: Event
    rule: str
    function: str
    attempts: int
    error: str | None = None
    dead_letter_arn: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Dispatcher:
    def __init__(
        self,
        rules: list[Rule],
        functions: dict[str, Function],
        *,
        region: str,
        mode: DeliveryMode = "once",
        base_environment: dict[str, str] | None = None,
        concurrency: int = 1,
    ) -> None:
        from moto.events.models import EventPattern

        self.rules = rules
        self.functions = functions
        self.region = region
        self.mode: DeliveryMode = mode
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1; got {concurrency}")
        self.concurrency = concurrency
        # Function name -> seconds, replacing the template's Timeout (to test a bound without waiting it).
        self.timeouts: dict[str, float] = {}
        self.base_environment = dict(base_environment or {})
        # The keys a function's handler runs with (its execution role's session, when IAM is enforced).
        self.credentials: Callable[[Function], dict[str, str]] = lambda _function: {}
        self._patterns = [(rule, EventPattern.load(json.dumps(rule.pattern))) for rule in rules]
        self._queue: deque[Event] = deque()
        # Events for one rule's targets, not matched against patterns: a schedule's (``schedules``).
        self._targeted: deque[tuple[Rule, Event]] = deque()
        self.deliveries: list[Delivery] = []
        self.events: list[Event] = []

    @property
    def dead_letters(self) -> list[Delivery]:
        return [d for d in self.deliveries if not d.ok]

    def enqueue(self, event: Event) -> None:
        """Accept an event (the SageMaker patches call this for every event they emit)."""
        with LOCK:
            self.events.append(event)
            self._queue.append(event)

    def enqueue_for(self, rule: Rule, event: Event) -> None:
        """Accept an event for ``rule``'s targets only (a scheduled rule fired)."""
        with LOCK:
            self.events.append(event)
            self._targeted.append((rule, event))

    def pending(self) -> int:
        with LOCK:
            return len(self._queue) + len(self._targeted)

    def targets_for(self, event: Event) -> list[tuple[Rule, Function, str | None]]:
        """The (rule, function, constant input) triples this event is routed to."""
        routed = []
        for rule, pattern in self._patterns:
            if pattern.matches_event(cast(Any, event)):
                for arn, constant in zip(
                    rule.function_arns, rule.inputs or (None,) * len(rule.function_arns), strict=True
                ):
                    function = self.functions.get(arn)
                    if function is not None:
                        routed.append((rule, function, constant))
        return routed

    def _functions_of(self, rule: Rule) -> list[tuple[Function, str | None]]:
        inputs = rule.inputs or (None,) * len(rule.function_arns)
        return [
            (self.functions[arn], constant)
            for arn, constant in zip(rule.function_arns, inputs, strict=True)
            if arn in self.functions
        ]

    def dispatch_pending(self) -> int:
        """Deliver the events queued now (not those the handlers queue meanwhile); return deliveries made."""
        with LOCK:
            batch = list(self._queue)
            self._queue.clear()
            targeted = list(self._targeted)
            self._targeted.clear()
        if self.mode == "reordered":
            batch.reverse()
            targeted.reverse()
        rounds = 2 if self.mode == "duplicated" else 1
        made = 0
        for _ in range(rounds):
            logged = self._write_logs(batch)
            with LOCK:
                self.deliveries.extend(logged)
            made += len(logged)
            jobs = [
                (function, json.loads(constant) if constant is not None else event, rule.name)
                for event in batch
                for rule, function, constant in self.targets_for(event)
            ] + [
                (function, json.loads(constant) if constant is not None else event, rule.name)
                for rule, event in targeted
                for function, constant in self._functions_of(rule)
            ]
            if self.concurrency > 1 and len(jobs) > 1:
                done: list[Delivery] = []
                # One function's invocations at once: functions differ in their role's keys, which the
                # shared os.environ can hold for one function at a time.
                for group in _by_function(jobs):
                    with (
                        self._shared_environment([job[0] for job in group]),
                        ThreadPoolExecutor(self.concurrency, thread_name_prefix="lambda") as pool,
                    ):
                        for function, _payload, _rule in group:
                            _load_handler(function.handler)  # imported once, before the threads race
                        done.extend(pool.map(lambda job: self._invoke(*job, environment=False), group))
            else:
                done = [self.invoke(*job) for job in jobs]
            with LOCK:
                self.deliveries.extend(done)
            made += len(done)
        return made

    def _write_logs(self, batch: list[Event]) -> list[Delivery]:
        """Each event of ``batch`` written by every CloudWatch Logs target of the rules it matches, with the
        target's retries and dead-letter queue (``modelops.local.logs_target``)."""
        done = []
        for event in batch:
            for rule, pattern in self._patterns:
                if not rule.log_targets or not pattern.matches_event(cast(Any, event)):
                    continue
                if not _enabled(rule, event):
                    continue  # a disabled rule matches nothing ("Disable the rule": EventBridge User Guide)
                for target in rule.log_targets:
                    done.append(self._write_log(event, rule, target))
        return done

    def _write_log(self, event: Event, rule: Rule, target: logs_target.LogTarget) -> Delivery:
        account, region = rule.arn.split(":")[4], rule.arn.split(":")[3]
        error: logs_target.LogDeliveryError | None = None
        attempts = 0
        for attempts in range(1, target.max_retries + 2):
            try:
                with LOCK:
                    logs_target.write(event, rule.name, target, account, region)
                return Delivery(event, rule.name, target.arn, attempts)
            except logs_target.LogDeliveryError as exc:
                error = exc
        assert error is not None
        logs_target.dead_letter(event, rule.arn, target, error)
        return Delivery(
            event, rule.name, target.arn, attempts, f"{error.code}: {error}", target.dead_letter_arn
        )

    def timeout_of(self, function: Function) -> float:
        return self.timeouts.get(function.name, function.timeout_seconds)

    def invoke(self, function: Function, event: Event, rule_name: str = "") -> Delivery:
        """Run one function on one event as Lambda's asynchronous invocation does (with retries)."""
        return self._invoke(function, event, rule_name, environment=True)

    def invoke_once(self, function: Function, event: Event) -> tuple[str | None, Any]:
        """One synchronous invocation (Lambda ``Invoke``, RequestResponse): no retries, no dead letter.
        Returns (the error or None, what the handler returned)."""
        with self._environment(function):
            return self._attempt(function, event)

    def _invoke(self, function: Function, event: Event, rule_name: str, *, environment: bool) -> Delivery:
        error: str | None = None
        attempts = 0
        for attempts in range(1, function.max_retries + 2):
            if environment:
                with self._environment(function):
                    error, _ = self._attempt(function, event)
            else:
                error, _ = self._attempt(function, event)
            if error is None:
                return Delivery(event, rule_name, function.name, attempts)
        dead_letter = function.dead_letter_arn or function.on_failure_arn
        if dead_letter is not None:
            self._send_dead_letter(dead_letter, function, event, error or "", attempts)
        return Delivery(event, rule_name, function.name, attempts, error, dead_letter)

    def _attempt(self, function: Function, event: Event) -> tuple[str | None, Any]:
        """Run the handler once: (its error, "Task timed out" when it outlasted its timeout, or None; and
        what it returned)."""
        timeout = self.timeout_of(function)
        context = LambdaContext(function.name, function.arn, function.memory_mb, timeout)
        started = time.monotonic()
        try:
            # Imported with the function's environment set: handlers read it at import time.
            handler = _load_handler(function.handler)
            result = handler(event, context)
        except HandlerImportError:
            raise
        except Exception as exc:  # a handler error is the function's failure, as Lambda records it
            return f"{type(exc).__name__}: {exc}", None
        if time.monotonic() - started > timeout:
            return f"Task timed out after {timeout:.2f} seconds", None
        return None, result

    @contextmanager
    def _shared_environment(self, functions: list[Function]) -> Iterator[None]:
        """One environment for functions that run at once; refused if they disagree on a variable."""
        merged: dict[str, str] = {}
        for function in functions:
            for key, value in self._values(function).items():
                if key in _PER_FUNCTION:
                    continue
                if merged.setdefault(key, value) != value:
                    raise ConcurrentEnvironmentError(
                        f"functions delivered concurrently disagree on {key}; deliver them serially"
                    )
        with _environ(merged):
            yield

    def _values(self, function: Function) -> dict[str, str]:
        return {
            **self.base_environment,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            **self.credentials(function),
            **function.environment,
        }

    def _environment(self, function: Function) -> Any:
        return _environ(self._values(function))

    def _send_dead_letter(
        self, arn: str, function: Function, event: Event, error: str, attempts: int
    ) -> None:
        _, _, service, region, account, resource = arn.split(":", 5)
        if arn == function.on_failure_arn and arn != function.dead_letter_arn:
            body = json.dumps(
                {  # a Lambda destination receives an invocation record, not the bare event
                    "version": "1.0",
                    "requestContext": {
                        "functionArn": f"{function.arn}:$LATEST",
                        "condition": "RetriesExhausted",
                        "approximateInvokeCount": attempts,
                    },
                    "requestPayload": event,
                    "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
                    "responsePayload": {"errorMessage": error},
                }
            )
        else:
            body = json.dumps(event)
        if service == "sqs":
            from moto.sqs.models import sqs_backends

            attributes = {
                "ErrorMessage": {"DataType": "String", "StringValue": error[:256]},
                "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            }
            sqs_backends[account][region].send_message(resource, body, message_attributes=attributes)
        elif service == "sns":
            from moto.sns.models import sns_backends

            sns_backends[account][region].publish(body, arn=arn)


def _enabled(rule: Rule, event: Event) -> bool:
    """The rule's state in the emulated EventBridge now (a test or a person may have disabled it)."""
    from moto.events.models import events_backends

    bus = events_backends[event["account"]][event["region"]].event_buses.get("default")
    found = bus.rules.get(rule.name) if bus is not None else None
    return found is None or found.state == "ENABLED"


@contextmanager
def _environ(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _by_function(jobs: list[tuple[Function, Any, str]]) -> list[list[tuple[Function, Any, str]]]:
    groups: dict[str, list[tuple[Function, Any, str]]] = {}
    for job in jobs:
        groups.setdefault(job[0].name, []).append(job)
    return list(groups.values())


_handlers: dict[str, Callable[..., Any]] = {}


def _load_handler(dotted: str) -> Callable[..., Any]:
    if dotted not in _handlers:
        module_name, _, attribute = dotted.rpartition(".")
        try:
            handler = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError, ValueError) as exc:
            raise HandlerImportError(f"cannot import Lambda handler {dotted!r}: {exc}") from exc
        _handlers[dotted] = handler
    return _handlers[dotted]
