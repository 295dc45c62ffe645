"""The staging endpoint changed state: verify the version it now serves."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.deploy.deadline import Deadline
from modelops.deploy.events import endpoint_name
from modelops.deploy.handlers._common import logger, run
from modelops.deploy.staging import verify_staging


@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, str]:
    deadline = Deadline.of(context)  # one time bound for verification, inside the function's Timeout
    return run(
        event, endpoint_name, lambda clients, settings, _endpoint: verify_staging(clients, settings, deadline)
    )
