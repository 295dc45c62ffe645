"""How ``modelops`` prints registry entities: aligned plain-text tables for people, JSON for machines."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from modelops.contract import lifecycle
from modelops.registry.entities import EndpointStatus, ModelVersion, VersionDiff
from modelops.registry.transitions import state

MISSING = "-"


def as_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; the last column is not padded (it may be long)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [_line(headers, widths), *(_line(r, widths) for r in cells)]
    return "\n".join(lines)


def versions_table(versions: Sequence[ModelVersion]) -> str:
    if not versions:
        return "no versions match"
    metric = lifecycle.PRIMARY_METRIC
    return table(
        ["VERSION", "APPROVAL", "STAGE", metric.upper(), "CREATED", "COMMIT", "DATA"],
        (
            [
                v.version,
                v.approval_status,
                state(v),
                v.metrics.get(metric),
                when(v.created_time),
                v.code_commit,
                v.data_version,
            ]
            for v in versions
        ),
    )


def version_details(v: ModelVersion) -> str:
    rows: list[tuple[str, Any]] = [
        ("version", v.version),
        ("uri", v.uri),
        ("arn", v.arn),
        ("approval", v.approval_status),
        ("approval reason", v.approval_description),
        ("stage", state(v)),
        ("stage reason", v.stage_description),
        ("code commit", v.code_commit),
        ("data version", v.data_version),
        ("image", v.image),
        ("model data", v.model_data_url),
        ("description", v.description),
        ("created", f"{when(v.created_time)} by {v.created_by or MISSING}"),
        ("modified", f"{when(v.modified_time)} by {v.modified_by or MISSING}" if v.modified_time else None),
    ]
    rows += [(f"metric {name}", value) for name, value in sorted(v.metrics.items())]
    rows += [(f"hyperparameter {name}", value) for name, value in sorted(v.hyperparameters.items())]
    rows += [(name, value) for name, value in sorted(v.properties.items())]
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {_cell(value)}" for label, value in rows)


def diff_tables(diff: VersionDiff) -> str:
    a, b = f"v{diff.a.version}", f"v{diff.b.version}"
    mark = {True: "*", False: ""}
    sections = [
        table(
            ["METRIC", a, b, "DELTA", ""],
            ([m.name, m.a, m.b, _signed(m.delta), mark[m.changed]] for m in diff.metrics),
        ),
        table(
            ["HYPERPARAMETER", a, b, ""],
            ([h.name, h.a, h.b, mark[h.changed]] for h in diff.hyperparameters),
        ),
        table(
            ["FIELD", a, b, ""],
            ([f.name, _shortened(f.a), _shortened(f.b), mark[f.changed]] for f in diff.fields),
        ),
    ]
    summary = "(* = differs)" if diff.changed else f"{a} and {b} record the same values"
    return "\n\n".join([*sections, summary])


def status_table(statuses: Sequence[EndpointStatus]) -> str:
    return table(
        ["ENVIRONMENT", "ENDPOINT", "STATUS", "SERVES", "REGISTRY SAYS", "DRIFT"],
        (
            [
                s.environment,
                s.endpoint_name,
                s.endpoint_status or "absent",
                _package(s.served_arn),
                _package(s.registry_arn),
                "updating" if s.updating else "DRIFT" if s.drift else "ok",
            ]
            for s in statuses
        ),
    )


def redrive_table(results: Sequence[Any]) -> str:
    """What ``modelops redrive`` gave to the handlers again (``modelops.redrive.Redriven`` rows)."""
    if not results:
        return "the dead-letter queues are empty: nothing to re-drive"
    rows = [
        [
            r.queue,
            r.event_id or MISSING,
            _package(r.subject) if r.subject else MISSING,
            "ok" if r.ok else "FAILED",
            r.outcome,
        ]
        for r in results
    ]
    failed = sum(1 for r in results if not r.ok)
    summary = f"{len(results) - failed} re-driven, {failed} failed again (kept in their queues)"
    return table(["QUEUE", "EVENT", "ABOUT", "RESULT", "OUTCOME"], rows) + "\n" + summary


def when(moment: datetime | None) -> str:
    if moment is None:
        return MISSING
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _package(arn: str | None) -> str:
    # "diabetes-progression/3" reads better than the whole ARN; the group shows whose version it is.
    if arn is None:
        return MISSING
    return arn.split(":model-package/", 1)[-1]


def _shortened(value: Any, width: int = 64) -> Any:
    """Long values (S3 URIs, image URIs) keep their head and their tail, where versions differ; --json has
    them whole."""
    if not isinstance(value, str) or len(value) <= width:
        return value
    tail = width // 2
    return f"{value[: width - tail - 1]}…{value[-tail:]}"


def _signed(value: float | None) -> str:
    return MISSING if value is None else f"{value:+.6g}"


def _cell(value: Any) -> str:
    if value is None:
        return MISSING
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [c.ljust(w) for c, w in zip(cells[:-1], widths[:-1], strict=True)]
    return "  ".join([*padded, cells[-1]]).rstrip()
