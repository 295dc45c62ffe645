"""What every handler shares: the structured logger and the parse-log-delegate wrapper.

Powertools' Logger costs ~10 ms of import on top of boto3 (measured by bench/deploy_import_time.py);
its Parser would pull in pydantic, so the event models are plain dataclasses in ``modelops.deploy.events``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from aws_lambda_powertools import Logger

from modelops.deploy.clients import Clients, default_clients
from modelops.deploy.errors import EndpointBusyError, MalformedEventError
from modelops.deploy.settings import DeploySettings

logger = Logger(service="modelops-deployer")

_E = TypeVar("_E")


def run(
    name: str,
    event: object,
    context: object,
    parse: Callable[[object], _E],
    act: Callable[[Clients, DeploySettings, _E], str],
) -> dict[str, str]:
    """Parse ``event``, act on it, log the outcome. Errors propagate so Lambda retries, then dead-letters."""
    logger.append_keys(handler=name, request_id=getattr(context, "aws_request_id", None))
    try:
        parsed = parse(event)
    except MalformedEventError as error:
        logger.error(
            "malformed event; failing it into the dead-letter queue",
            extra={"reason": str(error), "event": event},
        )
        raise
    logger.append_keys(event_id=getattr(parsed, "event_id", None))
    logger.info("received", extra={"parsed": parsed.__dict__ if hasattr(parsed, "__dict__") else parsed})
    try:
        outcome = act(default_clients(), DeploySettings.from_environment(), parsed)
    except EndpointBusyError as error:
        logger.warning("endpoint busy; raising so the event is retried", extra={"reason": str(error)})
        raise
    except Exception:
        logger.exception("handler failed; the event will be retried, then dead-lettered")
        raise
    logger.info("handled", extra={"outcome": outcome})
    return {"outcome": outcome}
