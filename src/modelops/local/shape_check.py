"""Every SageMaker and EventBridge response checked against botocore's output shape for its operation.

The service model botocore ships is AWS's own description of each operation's output: which members are
required, which values an enum allows, what type each member has. ``ShapeCheck.install()`` registers an
``after-call`` handler for both services on every botocore session created from then on (botocore's
``BUILTIN_HANDLERS``, the list moto itself joins to intercept requests) and on boto3's default session, so
every client checks: ``EmbeddedAWS.client()``, ``boto3.client``, the handlers' own sessions, clients of the
local server. It checks the response body as it came off the wire (the JSON the emulator sent, before
botocore's parser drops or converts anything) and records each mismatch with the operation and the member's
path; it never raises into the call, so code that catches exceptions cannot hide a mismatch.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.model import MapShape, OperationModel, Shape, StructureShape
from botocore.utils import parse_timestamp

# botocore names its events after the service id, hyphenized: SageMaker -> sagemaker, EventBridge ->
# eventbridge ("sagemaker-runtime" is another service and another event).
SERVICES = ("sagemaker", "eventbridge")

MISSING, ENUM, TYPE = "missing", "enum", "type"


@dataclass(frozen=True)
class Mismatch:
    """One member of one response that the output shape refuses.

    ``path`` names the member as found (``ProductionVariants[0].VariantName``); ``member`` is the same path
    without list positions and map keys (``ProductionVariants[].VariantName``), which an allow-list names.
    """

    operation: str  # "sagemaker.DescribeEndpoint"
    path: str
    problem: str  # MISSING, ENUM or TYPE
    detail: str

    @property
    def member(self) -> str:
        return re.sub(r"\[[^\]]*\]", "[]", self.path)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.operation, self.member, self.problem)

    def __str__(self) -> str:
        return f"{self.operation}: {self.path or '(the response)'}: {self.detail}"


def mismatches(operation: str, shape: Shape | None, body: Any) -> list[Mismatch]:
    """What in ``body`` (the decoded JSON of a response) ``shape`` refuses; [] when it conforms."""
    if shape is None:
        return []
    return list(_check(operation, shape, body, ""))


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_timestamp(value: Any) -> bool:
    """A value botocore's parser reads as a timestamp: epoch seconds or an ISO 8601 string."""
    if _is_number(value):
        return True
    if not isinstance(value, str):
        return False
    try:
        parse_timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return False
    return True


_SCALARS = {
    "string": ("a string", lambda v: isinstance(v, str)),
    "blob": ("a base64 string", lambda v: isinstance(v, str)),
    "boolean": ("a boolean", lambda v: isinstance(v, bool)),
    "integer": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "long": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "float": ("a number", _is_number),
    "double": ("a number", _is_number),
    "timestamp": ("a timestamp (epoch seconds or ISO 8601)", _is_timestamp),
}


def _check(operation: str, shape: Shape, value: Any, path: str) -> Iterator[Mismatch]:
    kind = shape.type_name
    if shape.serialization.get("eventstream") or getattr(shape, "is_document_type", False):
        return
    if kind == "structure":
        yield from _check_structure(operation, shape, value, path)
    elif kind == "list":
        if not isinstance(value, list):
            yield Mismatch(operation, path, TYPE, f"expected a list, got {_describe(value)}")
            return
        for index, item in enumerate(value):
            yield from _check(operation, shape.member, item, f"{path}[{index}]")  # type: ignore[attr-defined]
    elif kind == "map":
        yield from _check_map(operation, shape, value, path)
    elif kind in _SCALARS:
        expected, conforms = _SCALARS[kind]
        if not conforms(value):
            yield Mismatch(
                operation, path, TYPE, f"expected {expected} ({shape.name}), got {_describe(value)}"
            )
        elif kind == "string" and shape.enum and value not in shape.enum:  # type: ignore[attr-defined]
            allowed = ", ".join(shape.enum)  # type: ignore[attr-defined]
            yield Mismatch(operation, path, ENUM, f"{value!r} is not a valid {shape.name} ({allowed})")


def _check_structure(operation: str, shape: Shape, value: Any, path: str) -> Iterator[Mismatch]:
    assert isinstance(shape, StructureShape)
    if not isinstance(value, dict):
        yield Mismatch(operation, path, TYPE, f"expected a structure ({shape.name}), got {_describe(value)}")
        return
    for name, member in shape.members.items():
        # botocore reads a member sent as JSON null as absent, so a required one is missing.
        raw = value.get(member.serialization.get("name", name))
        if raw is not None:
            yield from _check(operation, member, raw, _join(path, name))
        elif name in shape.required_members:
            yield Mismatch(operation, _join(path, name), MISSING, f"required member missing ({shape.name})")


def _check_map(operation: str, shape: Shape, value: Any, path: str) -> Iterator[Mismatch]:
    assert isinstance(shape, MapShape)
    if not isinstance(value, dict):
        yield Mismatch(operation, path, TYPE, f"expected a map ({shape.name}), got {_describe(value)}")
        return
    for key, item in value.items():
        yield from _check(operation, shape.key, key, f"{path}[{key!r}]")
        yield from _check(operation, shape.value, item, f"{path}[{key!r}]")


def _describe(value: Any) -> str:
    text = json.dumps(value, default=str)
    return f"{type(value).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


@dataclass(eq=False)  # compared and hashed by identity: botocore keeps its bound method as a handler
class ShapeCheck:
    """Counts the responses it validated and keeps the mismatches it found, per operation.

    For each ``watched`` mismatch (an allow-list's) it also counts the responses that show it fixed: the
    member's parent is there and the mismatch is not (a DescribeEndpoint whose DataCaptureConfig is complete).
    """

    watched: frozenset[tuple[str, str, str]] = frozenset()
    validated: Counter[str] = field(default_factory=Counter)  # operation -> responses validated
    seen: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # Mismatch.key -> times found
    cleared: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # watched key -> times absent
    examples: dict[tuple[str, str, str], str] = field(default_factory=dict)  # Mismatch.key -> first found
    _pending: list[Mismatch] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def after_call(self, http_response: Any, model: OperationModel, **_: Any) -> None:
        """botocore's ``after-call`` event: validate one successful response."""
        if http_response.status_code >= 300:
            return  # an error answers with an error shape, not the output shape
        operation = f"{model.service_model.service_id.hyphenize()}.{model.name}"
        try:
            body = json.loads(http_response.content or b"{}")
        except ValueError:
            body, found = None, [Mismatch(operation, "", TYPE, f"not JSON: {http_response.content[:60]!r}")]
        else:
            found = mismatches(operation, model.output_shape, body)
        keys = {m.key for m in found}
        cleared = [k for k in self.watched if k[0] == operation and k not in keys and _has_parent(body, k[1])]
        with self._lock:
            self.validated[operation] += 1
            self.cleared.update(cleared)
            self.seen.update(m.key for m in found)
            for m in found:
                self.examples.setdefault(m.key, str(m))
            self._pending.extend(found)

    def take(self) -> list[Mismatch]:
        """The mismatches found since the last ``take``, forgotten here (the counts stay)."""
        with self._lock:
            found, self._pending = self._pending, []
        return found

    @property
    def total(self) -> int:
        return sum(self.validated.values())

    def counts(self) -> dict[str, Any]:
        """What was validated and seen, as JSON (an xdist worker sends it to the controller)."""
        seen = [[*key, n, self.examples[key]] for key, n in self.seen.items()]
        cleared = [[*key, n] for key, n in self.cleared.items()]
        return {"validated": dict(self.validated), "seen": seen, "cleared": cleared}

    def add_counts(self, counts: dict[str, Any]) -> None:
        self.validated.update(counts["validated"])
        self.cleared.update({(op, member, problem): n for op, member, problem, n in counts["cleared"]})
        for operation, member, problem, n, example in counts["seen"]:
            key = (operation, member, problem)
            self.seen[key] += n
            self.examples.setdefault(key, example)

    def _register(self, events: Any) -> None:
        for service in SERVICES:
            events.register(f"after-call.{service}", self.after_call, unique_id=_unique_id(self, service))

    def install(self) -> None:
        """Check every response of every botocore session created from now on, and of boto3's default one."""
        import boto3
        from botocore import handlers

        for service in SERVICES:
            handlers.BUILTIN_HANDLERS.append((f"after-call.{service}", self.after_call))
        if boto3.DEFAULT_SESSION is not None:
            self._register(boto3.DEFAULT_SESSION.events)

    def uninstall(self) -> None:
        """Sessions created from now on no longer check (existing clients keep their handler)."""
        import boto3
        from botocore import handlers

        handlers.BUILTIN_HANDLERS[:] = [
            spec for spec in handlers.BUILTIN_HANDLERS if spec[1] != self.after_call
        ]
        if boto3.DEFAULT_SESSION is not None:
            for service in SERVICES:
                boto3.DEFAULT_SESSION.events.unregister(
                    f"after-call.{service}", unique_id=_unique_id(self, service)
                )


def _has_parent(body: Any, member: str) -> bool:
    """Whether ``body`` holds the structure (or list, or map) that ``member`` (a Mismatch.member) is in."""
    parent = member[:-2] if member.endswith("[]") else member.rpartition(".")[0]
    nodes = [body] if isinstance(body, dict) else []
    for part in filter(None, parent.split(".")):
        name, each = part.removesuffix("[]"), part.endswith("[]")
        nodes = [node[name] for node in nodes if isinstance(node, dict) and node.get(name) is not None]
        if each:
            nodes = [i for node in nodes for i in (node.values() if isinstance(node, dict) else node)]
    return bool(nodes)


def _unique_id(check: ShapeCheck, service: str) -> str:
    return f"modelops-shape-check-{id(check)}-{service}"


@dataclass(frozen=True)
class Allowed:
    """A known mismatch, tolerated until its issue is fixed."""

    operation: str
    member: str
    problem: str
    issue: str
    why: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.operation, self.member, self.problem)

    def __str__(self) -> str:
        return f"{self.operation}: {self.member}: {self.problem} (issue {self.issue})"


class AllowlistError(ValueError):
    """The allow-list is malformed: an entry without its operation, member, problem, issue or why."""


def load_allowlist(text: str, source: str = "allow-list") -> list[Allowed]:
    import tomllib

    entries = tomllib.loads(text).get("mismatch", [])
    fields = ("operation", "member", "problem", "issue", "why")
    allowed = []
    for entry in entries:
        if any(entry.get(name) in (None, "") for name in fields) or entry["problem"] not in (
            MISSING,
            ENUM,
            TYPE,
        ):
            raise AllowlistError(
                f"{source}: each [[mismatch]] needs {', '.join(fields)} (problem: {MISSING}, "
                f"{ENUM} or {TYPE}): {entry}"
            )
        allowed.append(Allowed(*(str(entry[name]) for name in fields)))
    return allowed


def stale(check: ShapeCheck, allowed: list[Allowed]) -> list[Allowed]:
    """Entries the run showed fixed: responses where the mismatch could have been (its member's parent was
    there) and was not, and none where it was. An entry whose case no test reached cannot be judged."""
    return [a for a in allowed if check.cleared[a.key] and not check.seen[a.key]]
