"""The audit log, read: every transition of a group's versions and what each endpoint served, as recorded.

The log holds the events EventBridge wrote as they happened (``infra/constructs/audit_trail.py``): "SageMaker
Model Package State Change" (a version's approval and ModelLifeCycle after each change), "SageMaker Endpoint
State Change" (an endpoint's status and tags, which name the package it serves) and "AWS API Call via
CloudTrail" (who called CreateModelPackage / UpdateModelPackage / CreateEndpoint / UpdateEndpoint). Nothing
is taken from the current state: a change the log does not hold is shown as a gap.

EventBridge delivers at least once and out of order, so records are de-duplicated by event id and ordered by
the time each event carries (the package's LastModifiedTime, the endpoint's LastModifiedTime, ISO seconds for
the envelope); events of one second keep the order the log stored them in (its ingestion order), which the
references do not promise to be the order of the changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from modelops.contract import lifecycle
from modelops.contract.events import API_CALL, ENDPOINT_STATE_CHANGE, PACKAGE_STATE_CHANGE

# A CloudTrail record is the caller of a state change when it asked for that change this close in time.
CALLER_WINDOW_SECONDS = 120


class LogDoesNotReachBack(LookupError):
    """The audit log's earliest record is later than the moment asked about."""


@dataclass(frozen=True)
class Record:
    """One event of the audit log."""

    event_id: str
    detail_type: str
    time: datetime
    detail: dict[str, Any]
    stored: int  # the log event's position: ingestion order, for events of the same second

    @classmethod
    def from_message(cls, message: str, stored: int) -> Record | None:
        try:
            event = json.loads(message)
            detail = event["detail"]
            when = _time(event, detail)
            return cls(str(event["id"]), str(event["detail-type"]), when, detail, stored)
        except (ValueError, KeyError, TypeError):
            return None  # not an event EventBridge wrote: not a record


def _parse(stamp: Any) -> datetime:
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp / 1000, UTC)
    return datetime.strptime(str(stamp), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _time(event: dict[str, Any], detail: dict[str, Any]) -> datetime:
    if event.get("detail-type") == API_CALL and "eventTime" in detail:
        return _parse(detail["eventTime"])
    if "LastModifiedTime" in detail:
        return _parse(detail["LastModifiedTime"])
    return _parse(event["time"])


def read_log(
    logs: Any, log_group: str, since: datetime | None = None, until: datetime | None = None
) -> tuple[list[Record], int]:
    """Every record of the log from ``since`` to ``until`` (FilterLogEvents, all pages), de-duplicated and in
    time order; and the number of calls it took."""
    seen: dict[str, Record] = {}
    calls = 0
    for page in _pages(logs, log_group, since, until):
        calls += 1
        for event in page:
            record = Record.from_message(event["message"], len(seen))
            if record is not None and record.event_id not in seen:
                seen[record.event_id] = record
    return sorted(seen.values(), key=lambda r: (r.time, r.stored)), calls


def _pages(
    logs: Any, log_group: str, since: datetime | None, until: datetime | None
) -> Iterator[list[dict[str, Any]]]:
    options: dict[str, Any] = {"logGroupName": log_group}
    if since is not None:
        options["startTime"] = int(since.timestamp() * 1000)
    if until is not None:  # endTime is exclusive (FilterLogEvents): a second past the moment, to the second
        options["endTime"] = int(until.timestamp() * 1000) + 1000
    while True:
        page = logs.filter_log_events(**options)
        yield page.get("events", [])
        token = page.get("nextToken")
        if not token:
            return
        options["nextToken"] = token


@dataclass(frozen=True)
class Transition:
    """One change of one version as the log recorded it; ``gap``: the log misses what came just before it
    (nothing of the version before it, or a change the log holds only the CloudTrail call of); its from-values
    are then None, never guessed."""

    time: datetime
    version: int
    approval_from: str | None
    approval_to: str | None
    stage_from: str | None
    stage_to: str | None
    who: str | None
    why: str | None
    gap: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "version": self.version,
            "approval": {"from": self.approval_from, "to": self.approval_to},
            "stage": {"from": self.stage_from, "to": self.stage_to},
            "who": self.who,
            "why": self.why,
            "gap_before": self.gap,
        }


def _stage(detail: dict[str, Any]) -> str | None:
    cycle = detail.get("ModelLifeCycle") or {}
    return f"{cycle['Stage']}/{cycle.get('StageStatus', '')}" if cycle.get("Stage") else None


def transitions(records: list[Record], version: int | None = None) -> list[Transition]:
    """Each version's recorded changes, newest first; ``version`` keeps one version's only."""
    records = sorted(records, key=lambda r: (r.time, r.stored))  # whatever order they were handed in
    calls: dict[str, list[Record]] = {}  # by the package ARN each call names: a version's calls only
    for call in records:
        if call.detail_type == API_CALL and "errorCode" not in call.detail:
            calls.setdefault(_call_target(call), []).append(call)
    used: set[str] = set()
    previous: dict[int, Record] = {}
    found: list[Transition] = []
    for record in records:
        if record.detail_type != PACKAGE_STATE_CHANGE:
            continue
        number = int(record.detail.get("ModelPackageVersion", 0))
        if version is not None and number != version:
            continue
        before = previous.get(number)
        registered = "UpdatedModelPackageFields" not in record.detail
        detail = record.detail
        approval, stage = detail.get("ModelApprovalStatus"), _stage(detail)
        if before is not None and (approval, stage) == (
            before.detail.get("ModelApprovalStatus"),
            _stage(before.detail),
        ):
            _caller(record, calls, used)  # its call is accounted for: no missed change behind it
            previous[number] = record
            continue  # a repeat of the state already recorded (a metadata-only update): no transition
        approval_changed = before is None or approval != before.detail.get("ModelApprovalStatus")
        stage_changed = before is None or stage != _stage(before.detail)
        # An approval that left the stage as it was is explained by its ApprovalDescription, not by the
        # StageDescription an earlier stage change left on the package.
        why = (
            detail.get("ApprovalDescription") if approval_changed and not (stage and stage_changed) else None
        )
        if not why:
            why = (detail.get("ModelLifeCycle") or {}).get("StageDescription") or detail.get(
                "ApprovalDescription"
            )
        found.append(
            Transition(
                time=record.time,
                version=number,
                approval_from=None if before is None else before.detail.get("ModelApprovalStatus"),
                approval_to=approval,
                stage_from=None if before is None else _stage(before.detail),
                stage_to=stage,
                who=_caller(record, calls, used),
                why=why,
                gap=before is None and not registered,
            )
        )
        previous[number] = record
    return _missed(found, calls, used)[::-1]  # newest first; same-second ties in stored order, reversed


def _missed(found: list[Transition], calls: dict[str, list[Record]], used: set[str]) -> list[Transition]:
    """Mark a gap before each change that follows a state-changing call the log holds no change for (the
    package rule was disabled, or its target failed): what the version was just before is then unknown."""
    result = list(found)
    for arn, asked in calls.items():
        number = arn.rsplit("/", 1)[-1]
        for call in asked:
            if call.event_id in used or not _changes_state(call) or not number.isdigit():
                continue
            # CloudTrail's eventTime is whole seconds: the version's registration can share the call's second,
            # but no registration follows an update of the same version, so it is never the change after one.
            later = [
                i
                for i, t in enumerate(result)
                if t.version == int(number) and t.time >= call.time and not _is_registration(t)
            ]
            if later:
                first = result[later[0]]
                result[later[0]] = replace(first, approval_from=None, stage_from=None, gap=True)
    return result


def _is_registration(transition: Transition) -> bool:
    return transition.approval_from is None and transition.stage_from is None and not transition.gap


def _changes_state(call: Record) -> bool:
    request = call.detail.get("requestParameters") or {}
    return call.detail.get("eventName") == "UpdateModelPackage" and bool(
        request.get("modelApprovalStatus") or request.get("modelLifeCycle")
    )


def _call_target(call: Record) -> str:
    request = call.detail.get("requestParameters") or {}
    response = call.detail.get("responseElements") or {}
    return str(request.get("modelPackageArn") or response.get("modelPackageArn") or "").lower()


def _caller(change: Record, calls: dict[str, list[Record]], used: set[str]) -> str | None:
    """Who asked for this change: the nearest unused CloudTrail record of the same version asking for it."""
    best: Record | None = None
    for call in calls.get(str(change.detail.get("ModelPackageArn", "")).lower(), []):
        if call.event_id in used or abs((call.time - change.time).total_seconds()) > CALLER_WINDOW_SECONDS:
            continue
        if not _asks_for(call, change):
            continue
        if best is None or abs(call.time - change.time) < abs(best.time - change.time):
            best = call
    if best is None:
        return None
    used.add(best.event_id)
    return principal_name(best.detail.get("userIdentity") or {})


def _asks_for(call: Record, change: Record) -> bool:
    if call.detail.get("eventName") == "CreateModelPackage":
        return "UpdatedModelPackageFields" not in change.detail
    request = call.detail.get("requestParameters") or {}
    wanted = request.get("modelApprovalStatus")
    cycle = request.get("modelLifeCycle") or {}
    if wanted is not None and wanted != change.detail.get("ModelApprovalStatus"):
        return False
    if cycle and f"{cycle.get('stage')}/{cycle.get('stageStatus', '')}" != _stage(change.detail):
        return False
    return wanted is not None or bool(cycle)


def principal_name(identity: dict[str, Any]) -> str:
    """A Studio user profile (the session's source identity) or the role session, as people read them."""
    context = identity.get("sessionContext") or {}
    if context.get("sourceIdentity"):
        issuer = (context.get("sessionIssuer") or {}).get("userName", "")
        return f"{context['sourceIdentity']} (Studio, {issuer})" if issuer else str(context["sourceIdentity"])
    arn = str(identity.get("arn", ""))
    if ":assumed-role/" in arn:
        # The session names the actor (a Lambda function, an SSO user's e-mail), the role only what it may do.
        role, _, session = arn.split(":assumed-role/", 1)[1].partition("/")
        return session or role
    if arn.endswith(":root"):
        return "root"
    return arn or str(identity.get("type", "unknown"))


@dataclass(frozen=True)
class Served:
    """What one endpoint served at a moment, and since when (None: it served nothing then). ``gap_since``:
    the log holds a CreateEndpoint/UpdateEndpoint call from then but none of the state changes it caused, so
    what the endpoint served at the moment is unknown (``package_arn`` is then None, never guessed)."""

    endpoint_name: str
    package_arn: str | None
    since: datetime | None
    status: str | None
    gap_since: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint_name,
            "served": self.package_arn,
            "since": self.since.isoformat() if self.since else None,
            "status": self.status,
            "gap_since": self.gap_since.isoformat() if self.gap_since else None,
        }


def served_at(records: list[Record], endpoints: list[str], moment: datetime) -> list[Served]:
    """What each endpoint served at ``moment`` by the log; raises when the log starts after it.

    ``records`` may reach past ``moment`` (by ``OUTCOME_WINDOW_SECONDS``, as ``status_at`` reads them): a call
    made just before the moment has its state change recorded just after it."""
    records = sorted(records, key=lambda r: (r.time, r.stored))
    if not records or records[0].time > moment:
        start = records[0].time.isoformat() if records else "nothing"
        raise LogDoesNotReachBack(
            f"the audit log does not reach back to {moment.isoformat()} (its earliest record: {start})"
        )
    # A moment given to the second covers that second (the endpoint events carry milliseconds).
    limit = moment + timedelta(seconds=1) if moment.microsecond == 0 else moment
    return [_served(records, name, limit) for name in endpoints]


# SageMaker changes an endpoint's status as it accepts CreateEndpoint/UpdateEndpoint (Creating, Updating:
# DescribeEndpoint, EndpointStatus), so the state change event follows the call within seconds; a call with
# no state change of its endpoint this long after it was missed by the log. How soon EventBridge delivers is
# not documented beyond "near real time"; the window is ours, the same as a caller's.
OUTCOME_WINDOW_SECONDS = CALLER_WINDOW_SECONDS
_ENDPOINT_CALLS = ("CreateEndpoint", "UpdateEndpoint")


def _served(records: list[Record], name: str, limit: datetime) -> Served:
    changes = [
        r for r in records if r.detail_type == ENDPOINT_STATE_CHANGE and r.detail.get("EndpointName") == name
    ]
    calls = [r for r in records if r.detail_type == API_CALL and _endpoint_call_of(r, name)]
    missed = {
        call.event_id
        for index, call in enumerate(calls)
        if not _outcome_recorded(call, calls[index + 1] if index + 1 < len(calls) else None, changes)
    }
    served: str | None = None
    since: datetime | None = None
    status: str | None = None
    gap_since: datetime | None = None
    for record in records:
        if record.time >= limit:
            break
        if record.event_id in missed:
            gap_since = gap_since or record.time
            continue
        if record.detail_type != ENDPOINT_STATE_CHANGE or record.detail.get("EndpointName") != name:
            continue
        status = record.detail.get("EndpointStatus")
        tag = (record.detail.get("Tags") or {}).get(lifecycle.TAG_SERVED_PACKAGE)
        # An InService record says it all again, if it is not the end of an earlier change: CloudTrail's
        # whole-second eventTime sorts a call before changes earlier in its second.
        after_gap = gap_since is not None and record.time >= gap_since + timedelta(seconds=1)
        if status == "IN_SERVICE" and gap_since is not None and not after_gap:
            continue
        if status == "IN_SERVICE" and (tag != served or after_gap):
            served, since, gap_since = tag, record.time, None
    if gap_since is not None:
        return Served(name, None, None, None, gap_since)
    return Served(name, served, since, status)


def _endpoint_call_of(call: Record, name: str) -> bool:
    """A successful CreateEndpoint/UpdateEndpoint of ``name``."""
    request = call.detail.get("requestParameters") or {}
    return (
        call.detail.get("eventName") in _ENDPOINT_CALLS
        and "errorCode" not in call.detail
        and request.get("endpointName") == name
    )


def _outcome_recorded(call: Record, following: Record | None, changes: list[Record]) -> bool:
    """Whether the log holds the state change ``call`` caused: SageMaker sets Creating on CreateEndpoint and
    Updating on UpdateEndpoint as it accepts the call (API reference, CreateEndpoint and UpdateEndpoint), so it
    is a CREATING or UPDATING change of the endpoint after the call, within the window and before the
    endpoint's next call. CloudTrail's eventTime is whole seconds, so "after the call" reaches back to the start
    of its second: the status must be the one this call causes, or the InService that ended a create earlier
    in that second would pass for an update's outcome. A change in the same second as the next call is not
    counted for this one: two calls in one second may show a gap that was none, never hide one."""
    caused = _CAUSED_STATUS[str(call.detail.get("eventName"))]
    until = call.time + timedelta(seconds=OUTCOME_WINDOW_SECONDS)
    if following is not None:
        until = min(until, following.time)
    return any(
        call.time <= change.time < until and change.detail.get("EndpointStatus") == caused
        for change in changes
    )


_CAUSED_STATUS = {"CreateEndpoint": "CREATING", "UpdateEndpoint": "UPDATING"}
