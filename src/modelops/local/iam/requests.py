"""What IAM authorizes for one API call: the actions, resource ARNs and condition-key context AWS builds.

Each mapping follows the service authorization reference for its action (the resource types it lists and the
condition keys it supports; https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsagemaker.html
for SageMaker) and the SageMaker API permissions reference
(https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html), and every authorization it
produces is checked against the reference: an action, resource type or key the reference does not list for
that action is a :class:`ReferenceMismatch`. Implicit authorizations are included: ``iam:PassRole`` for an
execution role, ``sagemaker:AddTags`` when a create request carries tags, and the KMS calls a service makes
with the caller's permissions for SSE-KMS objects and encrypted topics. An operation with no mapping raises
:class:`UnmappedOperation`: it is refused, never allowed by default.

SageMaker ARNs carry lower-cased names. ``Target`` is the stored state of the resource acted on, from which
the ``sagemaker:Current*`` and ``aws:ResourceTag/`` keys are computed, as SageMaker computes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from modelops.local.iam import reference
from modelops.local.iam.cfn import Environment
from modelops.local.iam.context import Authorization, Call, ContextValue, Target
from modelops.local.iam.errors import ReferenceMismatch, UnmappedOperation
from modelops.local.iam.resource_ops import RESOURCES
from modelops.local.iam.sagemaker_ops import SAGEMAKER
from modelops.local.iam.service_ops import SERVICES

__all__ = ["Authorization", "Target", "authorizations", "check", "operations"]


_OPERATIONS: dict[tuple[str, str], Callable[[Call], None]] = {**SAGEMAKER, **SERVICES, **RESOURCES}


def operations() -> list[tuple[str, str]]:
    """Every (service, operation) this module maps."""
    return sorted(_OPERATIONS)


def authorizations(
    service: str,
    operation: str,
    params: Mapping[str, Any],
    *,
    env: Environment,
    target: Target | None = None,
    secure_transport: bool = True,
    source_arn: str | None = None,
    source_account: str | None = None,
) -> list[Authorization]:
    """Every authorization IAM performs for one call; each must be allowed for the call to succeed.

    ``source_arn``/``source_account`` are set when a service principal calls on a resource's behalf
    (a CloudWatch alarm publishing, an EventBridge rule invoking a function)."""
    build = _OPERATIONS.get((service, operation))
    if build is None:
        raise UnmappedOperation(
            f"no IAM mapping for {service}:{operation}; add it to modelops.local.iam.requests from the "
            "service authorization reference (refused until then)"
        )
    base: dict[str, ContextValue] = {
        "aws:SecureTransport": "true" if secure_transport else "false",
        "aws:RequestedRegion": env.region,
    }
    if source_arn:
        base["aws:SourceArn"] = source_arn
    if source_account:
        base["aws:SourceAccount"] = source_account
    call = Call(params, env, target or Target(), base)
    build(call)
    for auth in call.found:
        check(auth)
    return call.found


def check(auth: Authorization) -> None:
    """Raise :class:`ReferenceMismatch` unless the reference lists the action, a resource type of the
    resource's shape (or none required, for ``*``) and every condition key for that action."""
    try:
        entry = reference.action(auth.action)
    except reference.UnknownAction as error:
        raise ReferenceMismatch(str(error)) from None
    if auth.resource == "*":
        if any(rt.required for rt in entry.resource_types):
            raise ReferenceMismatch(f"{entry.name} needs a resource ARN; the mapping gave '*'")
    elif entry.resource_type_of(auth.resource) is None:
        kinds = ", ".join(rt.name for rt in entry.resource_types) or "none"
        raise ReferenceMismatch(f"{auth.resource} is not a resource type of {entry.name} ({kinds})")
    unknown = [key for key in auth.context if not entry.supports_key(key)]
    if unknown:
        raise ReferenceMismatch(f"{entry.name} does not support condition keys {', '.join(unknown)}")
