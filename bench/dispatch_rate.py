"""Events per second through the dispatcher: moto's pattern matcher, then a trivial in-process handler.

A rule (from a template, as ``cdk.out`` would give it) routes "SageMaker Model Package State Change"
events of one group to a handler that does nothing; as many events again match no rule. Prints the
median of 5 runs (target: at least 500 events/s).

    .venv/bin/python bench/dispatch_rate.py [--events 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

TEMPLATE = {
    "Resources": {
        "Noop": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Handler": "dispatch_rate.noop", "Runtime": "python3.12"},
        },
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventPattern": {
                    "source": ["aws.sagemaker"],
                    "detail-type": ["SageMaker Model Package State Change"],
                    "detail": {"ModelPackageGroupName": ["bench"], "ModelApprovalStatus": ["Approved"]},
                },
                "State": "ENABLED",
                "Targets": [{"Arn": {"Fn::GetAtt": ["Noop", "Arn"]}, "Id": "Target0"}],
            },
        },
    }
}


def noop(event: dict[str, Any], context: Any) -> None:
    """The trivial handler: what is measured is everything around it."""


def run(count: int) -> float:
    from modelops.local.embedded import embedded_aws
    from modelops.local.events import MODEL_PACKAGE_STATE_CHANGE, envelope

    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "bench.template.json").write_text(json.dumps(TEMPLATE))
        with embedded_aws(Path(folder)) as aws:
            for index in range(count):
                status = "Approved" if index % 2 == 0 else "PendingManualApproval"  # half match no rule
                aws.dispatcher.enqueue(
                    envelope(
                        MODEL_PACKAGE_STATE_CHANGE,
                        aws.account_id,
                        aws.region,
                        [],
                        {"ModelPackageGroupName": "bench", "ModelApprovalStatus": status},
                    )
                )
            started = time.perf_counter()
            delivered = aws.settle()
            elapsed = time.perf_counter() - started
    assert delivered == count // 2 + count % 2, delivered
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rates = [run(args.events) for _ in range(args.runs)]
    print(
        f"dispatcher: median {statistics.median(rates):.0f} events/s of {args.runs} runs of {args.events} events "
        f"(half routed to a no-op handler; min {min(rates):.0f}, max {max(rates):.0f}; target >= 500)"
    )


if __name__ == "__main__":
    main()
