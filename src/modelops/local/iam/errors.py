"""What the IAM evaluator refuses to guess about: each error names the thing to fix."""

from __future__ import annotations


class IamError(ValueError):
    """Base class: the evaluator cannot decide faithfully, so it decides nothing."""


class PolicyError(IamError):
    """A policy document is malformed or uses an element or operator this evaluator does not implement."""


class UnmappedOperation(IamError):
    """An API operation has no mapping to the IAM authorization AWS performs for it; add one from the
    service authorization reference instead of letting the call through."""


class ReferenceMismatch(IamError):
    """A mapping produced an action, resource or condition key the service authorization reference does not
    list for that action (a bug in the mapping, not in the caller's policy)."""


class Unresolvable(IamError):
    """A CloudFormation value refers to something the resolver was not given (a resource, parameter or
    another stack's output)."""
