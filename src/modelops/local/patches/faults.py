"""The ``faults`` patch: any operation of any service answers ``ThrottlingException`` when a test asks.

AWS answers a caller over its request rate with ``ThrottlingException`` ("Rate exceeded", HTTP 400), which the
SDKs retry; the SageMaker API reference lists it among the errors common to all actions. ``FAULTS.throttle``
(``modelops.local.faults``) arms the next N calls of an operation (``throttle_until_lifted``: every call until
lifted); this patch answers them before moto sees the request. It wraps ``BaseResponse.call_action``, which
every service's responses inherit, so the operations other patches add to moto (the inference experiments,
CloudWatch's ExtendedStatistics) are throttled like moto's own: those patches replace a response method, and
``call_action`` dispatches to it after this check.
"""

from __future__ import annotations

import warnings
from typing import Any

from moto.core.responses import ActionResult, BaseResponse

from modelops.local.faults import FAULTS, ThrottlingException
from modelops.local.patches.patch import Patch, PatchGroup


def call_action(original: Any, self: Any) -> Any:
    if FAULTS.take_throttle(self._get_action()):
        # ThrottlingException is not in every service's error model (AWS sends it anyway): moto warns.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.serialized(ActionResult(ThrottlingException("Rate exceeded")))
    return original(self)


GROUP = PatchGroup(
    name="faults",
    behaviour="the next N calls of an armed operation (any service) answer ThrottlingException",
    operations=("any operation armed with faults.throttle or faults.throttle_until_lifted",),
    references=("https://docs.aws.amazon.com/sagemaker/latest/APIReference/CommonErrors.html",),
    build=lambda: [Patch(BaseResponse, "call_action", call_action, wraps=True)],
)
