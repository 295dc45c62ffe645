"""The ``clock`` patch: endpoint transitions that have fallen due happen before the next SageMaker call answers.

On AWS an endpoint leaves ``Creating`` or ``Updating`` on its own while the caller does something else; here
the transitions wait on ``modelops.local.clock.CLOCK``, and this patch runs those that are due at the start of
every SageMaker and SageMaker Runtime call, so a caller polling DescribeEndpoint sees the endpoint move as on
AWS. The status sequence itself is the ``endpoints`` patch's (DescribeEndpoint reference).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import BaseResponse

from modelops.local.clock import CLOCK
from modelops.local.patches.patch import Patch, PatchGroup

_SERVICES = ("sagemaker", "sagemaker-runtime")


def call_action(original: Any, self: Any) -> Any:
    if self.service_name in _SERVICES:
        CLOCK.tick()
    return original(self)


GROUP = PatchGroup(
    name="clock",
    behaviour="endpoint transitions that are due run before any SageMaker or SageMaker Runtime call answers",
    operations=("every SageMaker and SageMaker Runtime operation",),
    references=("https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html",),
    build=lambda: [Patch(BaseResponse, "call_action", call_action, wraps=True)],
)
