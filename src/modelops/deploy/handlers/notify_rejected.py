"""A model package in the group was rejected: notify the approvers once."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.deploy.events import package_arn
from modelops.deploy.handlers._common import logger, run
from modelops.deploy.rejection import notify_rejected


@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, str]:
    return run(event, package_arn, notify_rejected)
