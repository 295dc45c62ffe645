"""``modelops history`` and ``modelops status --at``: the audit log read for people (``registry.audit``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from modelops.contract import names
from modelops.registry.audit import OUTCOME_WINDOW_SECONDS, Served, Transition, served_at
from modelops.registry.history import read_records


def parse_time(value: str, option: str) -> datetime:
    """ISO 8601 (``2026-12-01T03:00``, ``...Z``, ``...+02:00``; no zone means UTC), not in the future."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.UsageError(
            f"{option} {value!r} is not a time: use ISO 8601, e.g. 2026-12-01T03:00Z"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if moment > datetime.now(UTC):
        raise click.UsageError(f"{option} {value!r} is in the future: the log records only what happened")
    return moment.astimezone(UTC)


def _logs(region: str | None) -> Any:
    from modelops.deploy.clients import session as aws_session

    return aws_session(region).client("logs")


def status_at(group: str, project: str, region: str | None, moment: datetime) -> list[Served]:
    # What was served then needs nothing later, but whether a call just before it was recorded does.
    records = read_records(_logs(region), group, until=moment + timedelta(seconds=OUTCOME_WINDOW_SECONDS))
    endpoints = [names.endpoint_name(project, environment) for environment in names.ENVIRONMENTS]
    return served_at(records, endpoints, moment)


def _arrow(before: str | None, after: str | None, first: bool) -> str:
    """``from -> to``; a registration has no from, and a first record after a gap an unknown one (``?``)."""
    if before == after or (before is None and first):
        return after or "-"
    return f"{before or '?'} -> {after or '-'}"


def history_table(rows: Sequence[Transition]) -> str:
    if not rows:
        return "no transitions in the audit log"
    lines = [f"{'time':20}  {'ver':>3}  {'approval':36}  {'stage':44}  {'who':28}  why"]
    for row in rows:
        lines.append(
            f"{row.time:%Y-%m-%dT%H:%M:%SZ}  {row.version:>3}  {_arrow(row.approval_from, row.approval_to, not row.gap):36}  "
            f"{_arrow(row.stage_from, row.stage_to, not row.gap):44}  {(row.who or 'unknown (no CloudTrail record)'):28}  "
            f"{row.why or ''}"
        )
        if row.gap:
            lines.append(
                f"{'':20}  {row.version:>3}  -- gap: the audit log misses what this version was before this --"
            )
    return "\n".join(lines)


def served_table(rows: Sequence[Served], moment: datetime) -> str:
    lines = [f"at {moment:%Y-%m-%dT%H:%M:%SZ}:"]
    for row in rows:
        if row.gap_since is not None:
            lines.append(
                f"  {row.endpoint_name}: unknown (gap: the audit log holds a call of "
                f"{row.gap_since:%Y-%m-%dT%H:%M:%SZ} but not what it changed)"
            )
            continue
        since = f" since {row.since:%Y-%m-%dT%H:%M:%SZ}" if row.since else ""
        lines.append(
            f"  {row.endpoint_name}: {row.package_arn or 'nothing'}{since} ({row.status or 'no record'})"
        )
    return "\n".join(lines)
