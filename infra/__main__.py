"""``python -m infra``: what the CDK CLI runs (``cdk.json``) to synthesize the app.

Before the CDK starts (its Node.js kernel loads aws-cdk-lib for seconds, this process mostly waiting on
it), the slow work of synth that needs no CDK is started beside it: the training pipeline's definition
template, built by a subprocess into the cache unless it is there already (``infra.pipeline_definition``),
and the Lambda bundle's import probe (``infra.constructs.lambda_bundle``). Both are only started early:
what they produce, and so every template byte, is what the constructs would produce without them.
"""

from __future__ import annotations

from infra import pipeline_definition
from infra.constructs import lambda_bundle

if __name__ == "__main__":
    pipeline_definition.start_prebuild()
    lambda_bundle.start_probe()
    from infra.app import main

    main()
