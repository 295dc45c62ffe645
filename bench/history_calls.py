"""Benchmark: calls made by ``modelops history`` for a group with 1,000 versions and 10,000 transitions, and
the time of ``status --at`` over the same log.

The audit log is filled as EventBridge fills it: one log event per event, the event's JSON as the message.
Each transition is a "SageMaker Model Package State Change" and the "AWS API Call via CloudTrail" record of
the call that made it (20,000 log events), and every 10th transition is also an endpoint change (what
production serves). The events are written straight into the embedded AWS's CloudWatch Logs (no IAM: the
figure is the reader's), then read back with the library functions the CLI calls (``registry.audit``).

Calls are counted with a botocore ``before-call`` hook. moto pages FilterLogEvents by count (up to 10,000
events a page); CloudWatch Logs pages by size ("up to 1 MB (up to 10,000 log events)", FilterLogEvents API
reference), so the AWS figure printed beside it is the log's size divided by 1 MB, rounded up: a lower bound.

    .venv/bin/python bench/history_calls.py
    .venv/bin/python bench/history_calls.py --versions 1000 --transitions 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from modelops.contract import lifecycle, names
from modelops.contract.events import API_CALL, ENDPOINT_STATE_CHANGE, PACKAGE_STATE_CHANGE, SOURCE
from modelops.local.embedded import embedded_aws
from modelops.registry.audit import read_log, served_at, transitions

GROUP, ACCOUNT, REGION = names.DEFAULT_GROUP_NAME, "123456789012", "us-east-1"
PRODUCTION = names.endpoint_name(names.DEFAULT_PROJECT_NAME, "production")
STATES = [
    (lifecycle.APPROVED, None),
    (lifecycle.APPROVED, (lifecycle.STAGE_STAGING, lifecycle.STATUS_DEPLOYING)),
    (lifecycle.APPROVED, (lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)),
    (lifecycle.APPROVED, (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_APPROVED)),
    (lifecycle.APPROVED, (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYING)),
    (lifecycle.APPROVED, (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)),
    (lifecycle.APPROVED, (lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_RETIRED)),
]


def _event(detail_type: str, when: datetime, detail: dict[str, Any]) -> dict[str, Any]:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": SOURCE,
        "account": ACCOUNT,
        "time": stamp,
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def _package(version: int, step: int, when: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/{version}"
    approval, stage = (lifecycle.PENDING, None) if step == 0 else STATES[(step - 1) % len(STATES)]
    detail: dict[str, Any] = {
        "ModelPackageGroupName": GROUP,
        "ModelPackageVersion": version,
        "ModelPackageArn": arn,
        "ModelApprovalStatus": approval,
        "LastModifiedTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    request: dict[str, Any] = {"modelPackageArn": arn, "modelApprovalStatus": approval}
    if stage is not None:
        detail["ModelLifeCycle"] = {"Stage": stage[0], "StageStatus": stage[1], "StageDescription": "bench"}
        request = {"modelPackageArn": arn, "modelLifeCycle": {"stage": stage[0], "stageStatus": stage[1]}}
    if step:
        detail["UpdatedModelPackageFields"] = ["ModelLifeCycle" if stage else "ModelApprovalStatus"]
    call = {
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "sagemaker.amazonaws.com",
        "eventName": "UpdateModelPackage" if step else "CreateModelPackage",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/approver/approver",
        },
        "requestParameters": request if step else {"modelPackageGroupName": GROUP},
        "responseElements": {"modelPackageArn": arn},
    }
    return _event(PACKAGE_STATE_CHANGE, when, detail), _event(API_CALL, when, call)


def build(versions: int, count: int, start: datetime) -> list[dict[str, Any]]:
    """``count`` transitions over ``versions`` versions, one second apart, with their CloudTrail records."""
    per_version = max(1, count // versions)
    events = []
    for index in range(count):
        version, step = index // per_version + 1, index % per_version
        when = start + timedelta(seconds=index)
        events.extend(_package(min(version, versions), step, when))
        if index % 10 == 0:
            tags = {
                lifecycle.TAG_SERVED_PACKAGE: f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/{version}"
            }
            endpoint = {"EndpointName": PRODUCTION, "EndpointStatus": "IN_SERVICE", "Tags": tags}
            endpoint["LastModifiedTime"] = int(when.timestamp() * 1000)
            events.append(_event(ENDPOINT_STATE_CHANGE, when, endpoint))
    return events


def _fill(logs: Any, log_group: str, events: list[dict[str, Any]]) -> int:
    logs.create_log_group(logGroupName=log_group)
    logs.create_log_stream(logGroupName=log_group, logStreamName="bench")
    size = 0
    batch: list[dict[str, Any]] = []
    for event in events:
        message = json.dumps(event, separators=(",", ":"))
        size += len(message) + 26  # PutLogEvents counts 26 bytes per event besides the message
        stamp = datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        batch.append({"timestamp": int(stamp.timestamp() * 1000), "message": message})
        if len(batch) == 5000:
            logs.put_log_events(logGroupName=log_group, logStreamName="bench", logEvents=batch)
            batch = []
    if batch:
        logs.put_log_events(logGroupName=log_group, logStreamName="bench", logEvents=batch)
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--transitions", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=options.transitions + 60)
    events = build(options.versions, options.transitions, start)
    log_group = names.audit_log_group_name(GROUP)
    with embedded_aws(None, iam=False) as aws:
        logs = aws.client("logs")
        size = _fill(logs, log_group, events)
        calls = {"n": 0}
        logs.meta.events.register("before-call.logs.*", lambda **_: calls.__setitem__("n", calls["n"] + 1))
        history_seconds, at_seconds = [], []
        for _ in range(options.repeat):
            calls["n"] = 0
            began = time.perf_counter()
            records, _pages = read_log(logs, log_group)
            rows = transitions(records)
            history_seconds.append(time.perf_counter() - began)
            history_calls = calls["n"]
            moment = start + timedelta(seconds=options.transitions // 2)
            began = time.perf_counter()
            served = served_at(read_log(logs, log_group, until=moment)[0], [PRODUCTION], moment)
            at_seconds.append(time.perf_counter() - began)
    print(
        f"log: {len(events)} events ({options.transitions} transitions of {options.versions} versions), {size / 1e6:.1f} MB"
    )
    print(
        f"history: {len(rows)} rows, {history_calls} FilterLogEvents calls on the embedded AWS "
        f"(CloudWatch Logs, 1 MB pages: at least {math.ceil(size / 1_000_000)}), "
        f"median {statistics.median(history_seconds):.2f} s"
    )
    print(
        f"status --at {moment:%Y-%m-%dT%H:%M:%SZ}: {served[0].package_arn} since {served[0].since}, "
        f"median {statistics.median(at_seconds):.2f} s (reads the log up to that moment)"
    )


if __name__ == "__main__":
    main()
