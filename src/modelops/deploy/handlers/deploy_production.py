"""A model package was set to Production/Approved or Production/RollbackRequested: update production."""

from __future__ import annotations

from modelops.deploy.events import parse_package_event
from modelops.deploy.handlers._common import run
from modelops.deploy.production import deploy_production


def handler(event: object, context: object) -> dict[str, str]:
    return run(
        "deploy_production",
        event,
        context,
        parse_package_event,
        lambda clients, settings, change: deploy_production(clients, settings, change.package_arn),
    )
