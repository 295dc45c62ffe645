"""The ``endpoint_invocations`` patch: InvokeEndpoint runs the model the endpoint really serves.

As the SageMaker Runtime API reference documents InvokeEndpoint: the request body goes to the model behind the
endpoint (``TargetVariant`` picks a variant, ``X-Amzn-Invoked-Production-Variant`` names the one that
answered), and a model that fails answers ``ModelError``. moto 5.2.5 answers canned data for any endpoint
name, even one that does not exist. The resolution and the errors are ``modelops.local.invoke``'s.

After the production variant answered (or failed), ``modelops.local.shadow_traffic`` publishes its invocation
metrics and hands the shadow variant's copy and the data capture to its background worker, so neither delays
the caller. ``InferenceId`` ("If you provide a value, it is added to the captured data when you enable data
capture on the endpoint") is kept for the capture.
"""

from __future__ import annotations

from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from modelops.local import invoke, shadow_traffic
from modelops.local.capture import Exchange, new_event_id
from modelops.local.patches.patch import Patch, PatchGroup


def invoke_endpoint(self: Any) -> Any:
    name = self.path.split("/")[2]
    backend = sagemaker_backends[self.current_account][self.region]
    body = self.raw_body if isinstance(self.raw_body, bytes) else str(self.raw_body or "").encode()
    content_type = self.headers.get("Content-Type", "application/octet-stream")
    accept = self.headers.get("Accept", "*/*")
    endpoint, variant = invoke.resolve(backend, name, self.headers.get("X-Amzn-SageMaker-Target-Variant"))
    exchange = Exchange(
        new_event_id(),
        self.headers.get("X-Amzn-SageMaker-Inference-Id"),
        utcnow(),
        body,
        content_type,
        b"",
        "",
    )
    try:
        answer, answer_type = invoke.run_variant(backend, name, endpoint, variant, body, content_type, accept)
    except invoke.ModelError as error:
        shadow_traffic.after_invocation(
            backend, name, endpoint, variant, exchange, accept, error.OriginalStatusCode
        )
        raise
    answered = Exchange(
        exchange.event_id, exchange.inference_id, exchange.time, body, content_type, answer, answer_type
    )
    shadow_traffic.after_invocation(backend, name, endpoint, variant, answered, accept, None)
    headers = {
        "status": 200,
        "Content-Type": answer_type,
        "x-Amzn-Invoked-Production-Variant": str(variant["VariantName"]),
    }
    return 200, headers, answer


GROUP = PatchGroup(
    name="endpoint_invocations",
    behaviour="InvokeEndpoint runs the model the endpoint serves (its current config, the chosen variant), "
    "publishes the variant's invocation metrics, and sends a shadow variant its copy and captured data to S3 "
    "in the background",
    operations=("InvokeEndpoint",),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/shadow-tests.html",
        "https://docs.aws.amazon.com/sagemaker/latest/dg/model-monitor-data-capture-endpoint.html",
    ),
    build=lambda: [Patch(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint)],
)
