"""The production endpoint changed state: record Deployed (archiving the replaced version) or RolledBack."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.deploy.events import endpoint_name
from modelops.deploy.handlers._common import logger, run
from modelops.deploy.production import finalize_production


@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, str]:
    return run(
        event, endpoint_name, lambda clients, settings, _endpoint: finalize_production(clients, settings)
    )
