"""The ``endpoint_invocations`` patch: InvokeEndpoint runs the model the endpoint really serves.

As the SageMaker Runtime API reference documents InvokeEndpoint: the request body goes to the model behind the
endpoint (``TargetVariant`` picks a variant, ``X-Amzn-Invoked-Production-Variant`` names the one that
answered), and a model that fails answers ``ModelError``. moto 5.2.5 answers canned data for any endpoint
name, even one that does not exist. The resolution and the errors are ``modelops.local.invoke``'s.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

from modelops.local import invoke
from modelops.local.patches.patch import Patch, PatchGroup


def invoke_endpoint(self: Any) -> Any:
    name = self.path.split("/")[2]
    backend = sagemaker_backends[self.current_account][self.region]
    body, content_type, variant = invoke.invoke(
        backend,
        endpoint_name=name,
        body=self.raw_body if isinstance(self.raw_body, bytes) else str(self.raw_body or "").encode(),
        content_type=self.headers.get("Content-Type", "application/octet-stream"),
        accept=self.headers.get("Accept", "*/*"),
        target_variant=self.headers.get("X-Amzn-SageMaker-Target-Variant"),
    )
    headers = {"status": 200, "Content-Type": content_type, "x-Amzn-Invoked-Production-Variant": variant}
    return 200, headers, body


GROUP = PatchGroup(
    name="endpoint_invocations",
    behaviour="InvokeEndpoint runs the model the endpoint serves (its current config, the chosen variant)",
    operations=("InvokeEndpoint",),
    references=("https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html",),
    build=lambda: [Patch(SageMakerRuntimeResponse, "invoke_endpoint", invoke_endpoint)],
)
