"""The size of every human managed policy of the registry stack against IAM's 6,144-character limit.

    .venv/bin/python bench/human_policy_sizes.py                      # default settings
    .venv/bin/python bench/human_policy_sizes.py -c managed_mlflow=true

Measured as ``tests/infra/test_registry_stack.py`` measures it: the longest group name SageMaker accepts (63
characters) in the longest partition the project supports (``aws-us-gov``), tokens resolved, whitespace not
counted (IAM's quota counts the policy document without whitespace: IAM User Guide, "IAM and AWS STS quotas").
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

LIMIT = 6144


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", dest="context", action="append", default=[], help="name=value, as cdk -c")
    args = parser.parse_args()
    context: dict[str, str] = {"model_package_group_name": "g" * 63}
    for item in args.context:
        name, _, value = item.partition("=")
        context[name] = value

    from infra.app import build_app
    from modelops.local.iam import Assembly, Environment

    with tempfile.TemporaryDirectory() as outdir:
        build_app(context=context, outdir=outdir).synth()
        env = Environment(account="111122223333", region="us-gov-west-1", partition="aws-us-gov")
        stack = Assembly.from_cdk_out(Path(outdir), env).stack("modelops-registry")
        for logical_id, resource in sorted(stack.resources.items()):
            if resource["Type"] != "AWS::IAM::ManagedPolicy":
                continue
            document = stack.resolve(resource["Properties"]["PolicyDocument"])
            size = len(json.dumps(document, separators=(",", ":")))
            print(f"{logical_id:<40} {size:>5} characters ({LIMIT - size:>5} left of {LIMIT})")


if __name__ == "__main__":
    main()
