"""The embedded AWS's additions to moto, one named, reversible patch group per AWS behaviour.

``embedded_aws()`` (and ``modelops local up``) applies every group when it starts and undoes every group when
it stops; nothing is applied at import. ``modelops local patches`` lists them: name, behaviour, operations
covered, and the AWS reference each follows. Each group lives in the module of its name.
"""

from __future__ import annotations

import functools
import importlib

from modelops.local.patches.patch import Patch, PatchError, PatchGroup, PatchRegistry

__all__ = ["GROUP_MODULES", "Patch", "PatchError", "PatchGroup", "PatchRegistry", "registry"]

# Applied in this order, undone in the reverse. ``faults`` comes after ``clock``: both wrap moto's
# BaseResponse.call_action, and a throttled call is answered before any endpoint transition runs.
GROUP_MODULES = (
    "model_packages",
    "model_package_groups",
    "model_package_group_policies",
    "tags",
    "search",
    "endpoints",
    "optional_members",
    "unique_names",
    "shadow_variants",
    "data_capture",
    "inference_experiments",
    "endpoint_invocations",
    "metric_percentiles",
    "pipeline_executions",
    "event_patterns",
    "lambda_invocations",
    "request_shapes",
    "api_call_events",
    "clock",
    "faults",
)


@functools.cache
def registry() -> PatchRegistry:
    """Every patch group of the embedded AWS (importing them imports moto; applying them is separate)."""
    return PatchRegistry(importlib.import_module(f"{__name__}.{name}").GROUP for name in GROUP_MODULES)
