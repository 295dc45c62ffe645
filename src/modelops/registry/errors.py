"""What can go wrong in the registry, one class per cause, under one base class.

Every message says what is wrong and what would be right, so the CLI can print it as one line. Each is raised
before any write, so a failed call changes nothing.
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base class: the requested registry operation could not be done."""


class UnknownModelError(RegistryError):
    """The model package group does not exist (or a reference names another group)."""


class UnknownVersionError(RegistryError):
    """No version matches the reference (wrong number, nothing in that stage, nothing approved yet)."""


class MalformedReferenceError(RegistryError, ValueError):
    """A reference is not one of the forms the registry understands."""


class IllegalTransitionError(RegistryError):
    """The lifecycle rules forbid the requested approval or stage change from the version's current state."""


class ReasonRequiredError(RegistryError, ValueError):
    """An approval, rejection or stage change was asked for without saying why."""


class InvalidMetadataError(RegistryError, ValueError):
    """Metadata for a new version would be refused by SageMaker or could not be read back faithfully."""


class AuditLogNotFoundError(RegistryError):
    """The group has no audit log here (its registry stack is not deployed), so it has no history to show."""
