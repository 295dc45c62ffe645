"""A model package in the group was rejected: notify the approvers once."""

from __future__ import annotations

from modelops.deploy.events import parse_package_event
from modelops.deploy.handlers._common import run
from modelops.deploy.rejection import notify_rejected


def handler(event: object, context: object) -> dict[str, str]:
    return run(
        "notify_rejected",
        event,
        context,
        parse_package_event,
        lambda clients, settings, change: notify_rejected(clients, settings, change.package_arn),
    )
