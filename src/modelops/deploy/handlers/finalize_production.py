"""The production endpoint changed state: record Deployed (archiving the replaced version) or RolledBack."""

from __future__ import annotations

from modelops.deploy.events import parse_endpoint_event
from modelops.deploy.handlers._common import run
from modelops.deploy.production import finalize_production


def handler(event: object, context: object) -> dict[str, str]:
    return run(
        "finalize_production",
        event,
        context,
        parse_endpoint_event,
        lambda clients, settings, _change: finalize_production(clients, settings),
    )
