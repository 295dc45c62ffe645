"""``python -m infra``: what the CDK CLI runs (``cdk.json``) to synthesize the app.

Before the CDK starts (its Node.js kernel loads aws-cdk-lib for seconds, while this process waits on a
pipe), the slow work of synth that does not need the CDK is started beside it: the Lambda bundle's import
probe (a subprocess) and, unless a definition built by these sources is cached, the SageMaker SDK's import
(a thread that runs while the main thread waits for Node). Both are only started early; what they produce,
and so every template byte, is the same as without them.
"""

from __future__ import annotations

import importlib
import threading

from infra.constructs import definition_cache, lambda_bundle


def _start_early_work() -> None:
    lambda_bundle.start_probe()
    if not definition_cache.likely_cached():
        threading.Thread(target=importlib.import_module, args=("pipelines.training",), daemon=True).start()


if __name__ == "__main__":
    _start_early_work()
    from infra.app import main

    main()
