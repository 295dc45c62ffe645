"""`make demo-shadow`: the shadow gate on the embedded AWS, with the gate on (templates synthesized with
``-c shadow_gate=true``).

Version 1 goes to production (nothing to compare it with). Version 2, trained the same way, is promoted: the
production deployer starts its shadow test, a traffic generator sends callers' requests to production while
the approver watches ``modelops shadow status``, the evaluator's schedule fires and judges it, and it takes
over by the blue/green update. Version 3 answers plausible but shifted numbers (the serving fault
``shifted-predictions``): staging's sample checks pass it, its shadow test fails on agreement with
production on the same requests, and production never serves it.

    python -m modelops.demo_shadow [--cdk-out cdk.out.shadow]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
import time
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from modelops.contract import lifecycle
from modelops.demo import DEMO_ENDPOINT_DELAY_SECONDS, V1_HYPERPARAMETERS, Demo, DemoError

SHADOW_STEPS = 4
SHIFTED_FAULT = "shifted-predictions"


class ShadowDemo(Demo):
    @contextlib.contextmanager
    def step(self, number: int, title: str) -> Iterator[None]:
        self._stop_if_interrupted()
        self.say(f"\n[{number}/{SHADOW_STEPS}] {title}")
        begun = time.monotonic()
        yield
        self.say(f"      ({time.monotonic() - begun:.1f} s)")

    def run(self) -> None:  # the steps of the shadow gate, not the whole lifecycle
        self.require_gate()
        with self.step(1, "Version 1 to production: nothing to compare the first version with"):
            v1 = self.through_staging(V1_HYPERPARAMETERS)
            self.cli("promote", str(v1), "--reason", "first production model", *self.group_opt)
            self.aws.settle()
            self.expect_stage(v1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
        with self.step(2, "Promote version 2: its shadow test runs on production's own requests"):
            v2 = self.through_staging(V1_HYPERPARAMETERS)
            self.cli("promote", str(v2), "--reason", "retrained on fresh data", *self.group_opt)
            self.aws.settle()
            self.expect_stage(v2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_SHADOW_TESTING)
            self.traffic_then_verdict()
            self.expect_stage(v2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
            self.expect_served(self.production_endpoint, v2)
        with self.step(
            3, "Version 3 answers plausible but shifted numbers: staging passes it, the shadow does not"
        ):
            v3 = self.through_staging(V1_HYPERPARAMETERS, serving_fault=SHIFTED_FAULT)
            self.cli("promote", str(v3), "--reason", "new feature scaling", *self.group_opt)
            self.aws.settle()
            self.traffic_then_verdict()
            self.expect_stage(v3, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_SHADOW_FAILED)
            self.show_notifications()
            self.expect_served(self.production_endpoint, v2)
            self.say(f"production still serves version {v2}; version {v3} never served a caller")
        with self.step(4, "Where everything stands"):
            self.cli("status", "--project", self.project, *self.group_opt)
        dead = self.aws.dispatcher.dead_letters
        if dead:
            raise DemoError(f"{len(dead)} events were dead-lettered: {dead[0].error}")
        self.say(
            f"\nThe shadow gate demo ran in {time.monotonic() - self.started:.1f} s on the embedded AWS."
        )

    def require_gate(self) -> None:
        handlers = {f.handler for f in self.aws.dispatcher.functions.values()}
        if "modelops.deploy.handlers.evaluate_shadow.handler" not in handlers:
            raise DemoError("these templates have the shadow gate off; synthesize with -c shadow_gate=true")

    def through_staging(self, hyperparameters: dict[str, int], serving_fault: str | None = None) -> int:
        version = self.train(hyperparameters, serving_fault=serving_fault)
        self.approve_as_studio(version)
        self.expect_stage(version, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
        return version

    def traffic_then_verdict(self) -> None:
        """Callers' requests reach production while the test runs; then the evaluator's schedule fires."""
        needed = int(self.gate_setting("MODELOPS_SHADOW_MIN_REQUESTS", "200"))
        sent = self.generate_traffic(needed)
        self.say(f"traffic generator: {sent} requests to {self.production_endpoint}")
        self.aws.settle()
        self.shadow_status()
        self.say("the evaluator's schedule (rate(5 minutes)) fires:")
        self.aws.fire_schedules()
        self.aws.settle()

    def generate_traffic(self, count: int) -> int:
        """Send ``count`` requests from a background thread, as callers would, the demo waiting on it."""
        rows = self.sample_rows()
        runtime = self.aws.client("sagemaker-runtime")
        sent: list[int] = []

        def callers() -> None:
            from modelops.local.shadow_traffic import WORKER

            for index in range(count):
                body = json.dumps({"instances": [rows[index % len(rows)]]})
                runtime.invoke_endpoint(
                    EndpointName=self.production_endpoint, ContentType="application/json", Body=body
                )
                sent.append(index)
                # In AWS the shadow variant runs on instances of its own; here it shares this process with
                # production. Waiting for each shadow copy before the next request keeps one variant's
                # ModelLatency free of the other's work, so the gate compares the models, not the scheduling.
                WORKER.wait_idle(10.0)

        thread = threading.Thread(target=callers, name="traffic-generator")
        thread.start()
        while thread.is_alive():
            thread.join(0.2)
            self._stop_if_interrupted()
        return len(sent)

    def sample_rows(self) -> list[Any]:
        version = self.registry.get_version("latest")
        uri = version.properties[lifecycle.META_SAMPLE_PAYLOAD]
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        document = json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        bodies = document if isinstance(document, list) else [document]
        return [row for body in bodies for row in body.get("instances", [])]

    def gate_setting(self, name: str, default: str) -> str:
        for function in self.aws.dispatcher.functions.values():
            if name in function.environment:
                return function.environment[name]
        return default

    def shadow_status(self) -> None:
        """``modelops shadow status`` with the stage's own settings (those the templates were built with)."""
        stage = {
            "shadow_min_requests": int(self.gate_setting("MODELOPS_SHADOW_MIN_REQUESTS", "200")),
            "shadow_window_minutes": int(self.gate_setting("MODELOPS_SHADOW_WINDOW_MINUTES", "60")),
        }
        path = Path(".modelops/demo-shadow-cdk.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        stages = {"default": {**stage, "project_name": self.project, "model_package_group_name": self.group}}
        path.write_text(json.dumps({"context": {"modelops:stages": stages}}))
        # The platform team's view (the administrator's keys): the human policies hold no CloudWatch reads.
        from modelops.cli import main

        self.say(f"$ modelops shadow status --cdk-json {path}    # as the platform team")
        try:
            main.main(
                ["shadow", "status", "--cdk-json", str(path)], prog_name="modelops", standalone_mode=False
            )
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise DemoError(f"`modelops shadow status` exited {stop.code}") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m modelops.demo_shadow", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--cdk-out", type=Path, default=Path("cdk.out.shadow"), help="templates, gate on")
    args = parser.parse_args(argv)
    if not list(args.cdk_out.glob("*.template.json")):
        print(
            f"modelops demo-shadow: no templates in {args.cdk_out}/; run `make demo-shadow`", file=sys.stderr
        )
        return 2
    from modelops.demo_output import lambda_logs_to
    from modelops.local.embedded import NotSettled, embedded_aws
    from modelops.local.pipeline_runner import PipelineRunError
    from modelops.registry import RegistryError

    started = time.monotonic()
    # The forest's serving code predicts in the shadow worker's thread, where scikit-learn warns, per tree and
    # per request, that its configuration does not reach joblib: thousands of lines, written to stderr while
    # the shadow's ModelLatency is being timed.
    warnings.filterwarnings("ignore", message=r"`sklearn\.utils\.parallel\.delayed` should be used")
    logs = Path(".modelops/demo-shadow-lambda.log")
    logs.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            embedded_aws(args.cdk_out, endpoint_delay_seconds=DEMO_ENDPOINT_DELAY_SECONDS) as aws,
            lambda_logs_to(logs),
        ):
            print(f"embedded AWS ready in {time.monotonic() - started:.1f} s; Lambda logs go to {logs}")
            demo = ShadowDemo(aws)
            demo.run()
    except (DemoError, PipelineRunError, RegistryError, NotSettled) as error:
        print(f"modelops demo-shadow: {error}", file=sys.stderr)
        return 1
    print(f"total, embedded AWS start included: {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
