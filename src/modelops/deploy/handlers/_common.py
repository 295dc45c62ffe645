"""What every handler shares: the structured logger and the act-and-log step after parsing.

A handler is ``@logger.inject_lambda_context`` (request id, function name, cold start on every line) over
``@event_source(data_class=EventBridgeEvent)`` (Powertools' own event class; no pydantic), and calls
``run`` with the logic to delegate to. Errors propagate so Lambda retries the event, then dead-letters it.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from modelops.contract.names import DEPLOYER_SERVICE
from modelops.deploy.clients import Clients, default_clients
from modelops.deploy.errors import EndpointBusyError, MalformedEventError
from modelops.deploy.settings import DeploySettings

logger = Logger(service=DEPLOYER_SERVICE)


def run(
    event: EventBridgeEvent,
    parse: Callable[[EventBridgeEvent], str],
    act: Callable[[Clients, DeploySettings, str], str],
) -> dict[str, str]:
    """Take the resource ``parse`` names from ``event``, ``act`` on it, log the outcome."""
    try:
        resource = parse(event)
    except MalformedEventError as error:
        logger.error(
            "malformed event; failing it into the dead-letter queue",
            extra={"reason": str(error), "event": event.raw_event},
        )
        raise
    logger.append_keys(event_id=event.get_id)
    logger.info("received", extra={"detail_type": event.detail_type, "resource": resource})
    try:
        outcome = act(default_clients(), DeploySettings.from_environment(), resource)
    except EndpointBusyError as error:
        logger.warning("endpoint busy; raising so the event is retried", extra={"reason": str(error)})
        raise
    except Exception:
        logger.exception("handler failed; the event will be retried, then dead-lettered")
        raise
    logger.info("handled", extra={"outcome": outcome})
    return {"outcome": outcome}
