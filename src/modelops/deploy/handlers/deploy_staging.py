"""A model package in the group was approved: deploy it to the staging endpoint."""

from __future__ import annotations

from modelops.deploy.events import parse_package_event
from modelops.deploy.handlers._common import run
from modelops.deploy.staging import deploy_staging


def handler(event: object, context: object) -> dict[str, str]:
    return run(
        "deploy_staging",
        event,
        context,
        parse_package_event,
        lambda clients, settings, change: deploy_staging(clients, settings, change.package_arn),
    )
