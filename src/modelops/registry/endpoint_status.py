"""What each endpoint serves (its tag) next to what the registry records for its stage: ``modelops status``."""

from __future__ import annotations

from collections.abc import Callable

from modelops.contract import names
from modelops.registry.entities import EndpointStatus, ModelVersion
from modelops.registry.store import SageMakerStore


def endpoint_statuses(
    store: SageMakerStore, project_name: str, recorded: Callable[[str], ModelVersion | None]
) -> list[EndpointStatus]:
    """For staging and production; ``recorded(environment)`` is the version the registry says is there."""
    statuses = []
    for environment in names.ENVIRONMENTS:
        name = names.endpoint_name(project_name, environment)
        status, served = store.served(name)
        version = recorded(environment)
        statuses.append(
            EndpointStatus(
                environment=environment,
                endpoint_name=name,
                endpoint_status=status,
                served_arn=served,
                registry_arn=version.arn if version else None,
                registry_version=version.version if version else None,
            )
        )
    return statuses
