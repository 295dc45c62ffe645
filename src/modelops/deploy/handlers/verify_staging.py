"""The staging endpoint changed state: verify the version it now serves."""

from __future__ import annotations

from modelops.deploy.events import parse_endpoint_event
from modelops.deploy.handlers._common import run
from modelops.deploy.staging import verify_staging


def handler(event: object, context: object) -> dict[str, str]:
    return run(
        "verify_staging",
        event,
        context,
        parse_endpoint_event,
        lambda clients, settings, _change: verify_staging(clients, settings),
    )
