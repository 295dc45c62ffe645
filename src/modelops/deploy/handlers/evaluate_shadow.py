"""The shadow evaluator's schedule fired: judge the running shadow tests and record the verdicts due."""

from __future__ import annotations

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.deploy.events import schedule_rule
from modelops.deploy.handlers._common import logger, run
from modelops.deploy.shadow_evaluator import evaluate_shadow


@logger.inject_lambda_context
@event_source(data_class=EventBridgeEvent)
def handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, str]:
    return run(event, schedule_rule, evaluate_shadow)
