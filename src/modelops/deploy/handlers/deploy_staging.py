"""A model package in the group was approved: deploy it to the staging endpoint."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.deploy.deadline import Deadline
from modelops.deploy.events import package_arn
from modelops.deploy.handlers._common import logger, run
from modelops.deploy.staging import deploy_staging


@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, str]:
    deadline = Deadline.of(context)  # verifying an already-served version happens within this invocation
    return run(
        event, package_arn, lambda clients, settings, arn: deploy_staging(clients, settings, arn, deadline)
    )
