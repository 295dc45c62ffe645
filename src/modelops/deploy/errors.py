"""Errors the deployer raises. A handler that raises has its event retried, then dead-lettered."""

from __future__ import annotations

from modelops.contract.settings import SettingsError

__all__ = [
    "DeployError",
    "EndpointBusyError",
    "MalformedEventError",
    "PackageNotFoundError",
    "SettingsError",  # a missing or invalid environment variable (a deployment mistake): the contract's one
]


class DeployError(Exception):
    """Base class: the deployer could not act on an event."""


class MalformedEventError(DeployError):
    """The event does not have the shape of the event type this handler serves."""


class EndpointBusyError(DeployError):
    """The endpoint is being created or updated; the event must be retried once it settles.

    Raised on purpose so the Lambda's retry policy (and finally its dead-letter queue) handles it: failing
    the deployment instead would reject a good version for a transient condition.
    """


class PackageNotFoundError(DeployError):
    """The model package named by the event does not exist (or is in another group)."""


class ForeignResourceError(DeployError):
    """A model or endpoint config under the name the deployer derives exists, made from something else.

    Not retried into success: the deployer records the refusal (a visible state and a notice) instead of
    serving a model it cannot vouch for.
    """


class ArtifactChangedError(DeployError):
    """The artifact a version names is no longer the object pinned when the version was registered."""
