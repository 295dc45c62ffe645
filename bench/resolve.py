"""Benchmark: AWS calls and time to resolve ``latest-approved`` and ``production``, library vs naive.

Registers versions in the embedded AWS (in-process moto plus ``modelops.local``), checkpointing at each size,
and resolves both references two ways:

- library: ``ModelRegistry.resolve`` (ListModelPackages newest-first with MaxResults=1 and SageMaker's
  approval filter; Search filtered on ``ModelLifeCycle.Stage``/``StageStatus``);
- naive: page through every version with ListModelPackages (100 per page, the API's maximum), then filter
  the summaries client-side (the summaries carry ModelApprovalStatus and ModelLifeCycle, so this is the
  cheapest list-everything approach; one that also describes each version costs N more calls).

Calls are counted with a botocore ``before-call`` hook on the client, so every API request is seen. Each
library resolution uses a fresh ``ModelRegistry``, so its count includes the one-time group check.
Times are medians of ``--repeat`` runs against the in-process emulator: moto filters by scanning every
package in Python, so its times grow with N even where the call count does not; against SageMaker the
filtering is the service's. The figure that carries over is the call count.

    .venv/bin/python bench/resolve.py            # sizes 100 and 1000
    .venv/bin/python bench/resolve.py --sizes 100,1000,2000 --repeat 7
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from modelops.contract import lifecycle
from modelops.local.embedded import embedded_aws
from modelops.registry import ModelRegistry

GROUP = "bench-model"


@dataclass
class Measure:
    size: int
    reference: str
    approach: str
    calls: int
    millis: float
    arn: str


class CallCounter:
    """Counts API requests a client makes (botocore emits ``before-call`` once per request)."""

    def __init__(self, client: Any) -> None:
        self.calls = 0
        client.meta.events.register("before-call.sagemaker", self._count)

    def _count(self, **_: Any) -> None:
        self.calls += 1


def register_until(client: Any, size: int) -> None:
    """Grow the group to ``size`` versions with a realistic mix of states: every 10th version approved
    and (once older) retired from production, one version deployed in production well behind the newest,
    the newest approved one in staging."""
    existing = client.list_model_packages(
        ModelPackageGroupName=GROUP, SortBy="CreationTime", SortOrder="Descending", MaxResults=1
    )["ModelPackageSummaryList"]
    start = existing[0]["ModelPackageVersion"] + 1 if existing else 1
    for number in range(start, size + 1):
        client.create_model_package(
            ModelPackageGroupName=GROUP,
            InferenceSpecification={
                "Containers": [
                    {"Image": "ecr/sklearn:1.4", "ModelDataUrl": f"s3://bench/v{number}/model.tar.gz"}
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            ModelApprovalStatus=lifecycle.APPROVED if number % 10 == 0 else lifecycle.PENDING,
            CustomerMetadataProperties={lifecycle.META_METRIC_PREFIX + "rmse": str(60 - number / size)},
            ModelLifeCycle={"Stage": lifecycle.STAGE_DEVELOPMENT, "StageStatus": lifecycle.STATUS_REGISTERED},
        )
    arn = f"{group_arn(client).replace('model-package-group', 'model-package')}"
    for number in range(10, size + 1, 10):
        stage = (lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_RETIRED)
        if number == size // 2:
            stage = (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
        elif number == size - size % 10:
            stage = (lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
        client.update_model_package(
            ModelPackageArn=f"{arn}/{number}",
            ModelLifeCycle={"Stage": stage[0], "StageStatus": stage[1], "StageDescription": "bench"},
        )


def group_arn(client: Any) -> str:
    return str(client.describe_model_package_group(ModelPackageGroupName=GROUP)["ModelPackageGroupArn"])


def naive(client: Any, keep: Callable[[dict[str, Any]], bool]) -> str:
    """List every version, then filter: the newest summary ``keep`` accepts."""
    summaries: list[dict[str, Any]] = []
    request: dict[str, Any] = {"ModelPackageGroupName": GROUP, "MaxResults": 100}
    while True:
        page = client.list_model_packages(**request)
        summaries += page["ModelPackageSummaryList"]
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    matching = [s for s in summaries if keep(s)]
    return str(max(matching, key=lambda s: s["ModelPackageVersion"])["ModelPackageArn"])


def resolve_fresh(client: Any, reference: str) -> str:
    """The library, as a caller starting cold would use it: a new registry object per resolution."""
    return ModelRegistry(client, GROUP).resolve(reference)


def approved(summary: dict[str, Any]) -> bool:
    return bool(summary.get("ModelApprovalStatus") == lifecycle.APPROVED)


def in_production(summary: dict[str, Any]) -> bool:
    life_cycle = summary.get("ModelLifeCycle") or {}
    return (life_cycle.get("Stage"), life_cycle.get("StageStatus")) == (
        lifecycle.STAGE_PRODUCTION,
        lifecycle.STATUS_DEPLOYED,
    )


def measure(
    client: Any,
    counter: CallCounter,
    size: int,
    reference: str,
    approach: str,
    run: Callable[[], str],
    repeat: int,
) -> Measure:
    times, counts, answers = [], [], set()
    for _ in range(repeat):
        before = counter.calls
        started = time.perf_counter()
        answers.add(run())
        times.append((time.perf_counter() - started) * 1000)
        counts.append(counter.calls - before)
    if len(answers) != 1 or len(set(counts)) != 1:
        raise SystemExit(f"{approach} {reference} at {size}: unstable answers {answers} or counts {counts}")
    return Measure(size, reference, approach, counts[0], statistics.median(times), answers.pop())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated version counts (ascending)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median reported)")
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    results: list[Measure] = []
    with embedded_aws(None) as aws:
        client = aws.client("sagemaker")
        counter = CallCounter(client)
        client.create_model_package_group(ModelPackageGroupName=GROUP)
        for size in sizes:
            started = time.perf_counter()
            register_until(client, size)
            print(f"registered {size} versions in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            for reference, keep in (("latest-approved", approved), ("production", in_production)):
                library = measure(
                    client,
                    counter,
                    size,
                    reference,
                    "library",
                    functools.partial(resolve_fresh, client, reference),
                    args.repeat,
                )
                plain = measure(
                    client,
                    counter,
                    size,
                    reference,
                    "naive list-all + filter",
                    functools.partial(naive, client, keep),
                    args.repeat,
                )
                if library.arn != plain.arn:
                    raise SystemExit(f"{reference} at {size}: library {library.arn} != naive {plain.arn}")
                results += [library, plain]
    print_table(results)
    library_counts = {(m.reference, m.calls) for m in results if m.approach == "library"}
    if len(library_counts) != len({m.reference for m in results}):
        print("FAIL: the library's call count changed with the number of versions", file=sys.stderr)
        return 1
    return 0


def print_table(results: list[Measure]) -> None:
    print(
        f"{'versions':>8}  {'reference':<15}  {'approach':<24}  {'calls':>5}  {'median ms':>9}  "
        f"{'calls ratio':>11}  {'time ratio':>10}"
    )
    library = {(m.size, m.reference): m for m in results if m.approach == "library"}
    for m in results:
        base = library[(m.size, m.reference)]
        ratio = f"{m.calls / base.calls:.1f}x" if m is not base else "1.0x"
        speed = f"{m.millis / base.millis:.1f}x" if m is not base else "1.0x"
        print(
            f"{m.size:>8}  {m.reference:<15}  {m.approach:<24}  {m.calls:>5}  {m.millis:>9.2f}  "
            f"{ratio:>11}  {speed:>10}"
        )


if __name__ == "__main__":
    sys.exit(main())
