"""`make demo`: the whole model lifecycle on the embedded AWS, as a newcomer's first run.

Everything here is real: the training steps train on the bundled data, the registry calls are the ones the CLI
makes, SageMaker's events are dispatched through the EventBridge patterns of the synthesized templates to the
handler code the Lambdas run, and the endpoints answer with the serving code of the version they serve. The
embedded AWS lives in this process and the MLflow server stops with it (Ctrl-C included): nothing is left
running, and a second run starts from the same empty state and ends in the same place.

Version 1 comes the founding workflow's way: the data scientist logs three MLflow runs to a real MLflow
tracking server (started as ``modelops local up`` starts it) and registers the best with ``modelops register
--experiment ... --best rmse``; ``models:/<group>/1`` then names one version in MLflow, in ``modelops show`` and
in SageMaker, and ``@production`` follows what production serves. Versions 2 and 3 come the pipeline's way.

IAM is enforced: the data scientist logs and registers with their own keys and starts each training run (its
steps run under the pipeline's execution role, see ``train``), the approver approves (as Studio does) and
promotes or rolls back with the CLI, the handlers run under their functions' roles, and one step shows a
refusal: the data scientist trying to put a version in Production.

    python -m modelops.demo [--cdk-out cdk.out] [--mlflow-port 5000]
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from modelops import demo_output
from modelops.contract import lifecycle
from modelops.interrupts import Interrupted, Received, interrupts_raised

STEPS = 7
DATA_SCIENTIST, APPROVER = "data-scientist", "approver"  # the human roles' names in the templates
# The pipeline-trained versions' hyperparameters (version 1 is the best of the MLflow runs, demo_mlflow.RUNS);
# different for version 2, so `modelops diff 1 2` has something to show.
V1_HYPERPARAMETERS = {"n_estimators": 100, "max_depth": 4}
V2_HYPERPARAMETERS = {"n_estimators": 300, "max_depth": 8}
# Version 3 ships serving code that answers NaN: it trains and registers fine and fails staging verification
# for a real reason (the endpoint's answers are not finite predictions).
V3_SERVING_FAULT = "nan-predictions"


class DemoError(RuntimeError):
    """The lifecycle did not reach the state a step expects; the message says which and what was found."""


class Demo:
    def __init__(
        self,
        aws: Any,
        out: Any = sys.stdout,
        received: Received | None = None,
        tracking_uri: str | None = None,
    ) -> None:
        from modelops.registry import ModelRegistry

        self.aws = aws
        self.tracking_uri = tracking_uri  # the MLflow tracking server's (None: no MLflow step)
        self.pipeline_runs: dict[int, str] = {}  # version -> the MLflow run of the execution that trained it
        self.out = out
        self.received = received or Received()
        self.sm = aws.client("sagemaker")  # the administrator's: the demo's own checks of the state
        self.s3 = aws.client("s3")
        self.sqs = aws.client("sqs")
        self.scientist = aws.client("sagemaker", role=DATA_SCIENTIST)
        self.approver = aws.client("sagemaker", role=APPROVER)
        self.group = aws.output("ModelPackageGroupName")
        self.bucket = aws.output("ArtifactBucketName")
        self.staging_endpoint = aws.output("StagingEndpointName")
        self.production_endpoint = aws.output("ProductionEndpointName")
        self.project = self.staging_endpoint.removesuffix("-staging")
        self.registry = ModelRegistry(self.sm, self.group)
        self.inbox = self._subscribe_inbox(aws.output("LifecycleTopicArn"))
        self.started = time.monotonic()

    # -- output -------------------------------------------------------------------------------------------

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    @contextlib.contextmanager
    def step(self, number: int, title: str) -> Iterator[None]:
        self._stop_if_interrupted()
        self.say(f"\n[{number}/{STEPS}] {title}")
        begun = time.monotonic()
        yield
        self._stop_if_interrupted()
        self.say(f"      ({time.monotonic() - begun:.1f} s)")

    def _stop_if_interrupted(self) -> None:
        # The handler's exception can be swallowed where Python cannot raise it (a finalizer, a callback
        # that reports and drops errors); the recorded signal still stops the demo at the next step edge.
        if self.received.signal is not None:
            raise Interrupted(self.received.signal.name)

    def cli(self, *args: str, role: str = APPROVER) -> None:
        """Run a `modelops` command in-process, as a user holding ``role``'s keys would type it."""
        import os
        from unittest import mock

        from modelops.cli import main

        self.say(f"$ modelops {' '.join(args)}    # as {role}")
        keys = self.aws.credentials(role).environment()
        try:
            with mock.patch.dict(os.environ, keys):
                main.main(list(args), prog_name="modelops", standalone_mode=False)
        except click.exceptions.Abort as abort:  # click's form of Ctrl-C outside standalone mode
            raise Interrupted("SIGINT") from abort
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise DemoError(f"`modelops {' '.join(args)}` exited {stop.code}") from None

    # -- the lifecycle ------------------------------------------------------------------------------------

    def run(self) -> None:
        with self.step(
            1, "Log three MLflow runs as the data scientist and register the best (pending approval)"
        ):
            v1 = self.register_best_run()
        with self.step(
            2,
            "Approve version 1 as Studio does: staging deploys it and verifies it on the run's input example",
        ):
            self.approve_as_studio(v1)
            self.expect_stage(v1, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
            self.expect_served(self.staging_endpoint, v1)
        with self.step(3, "Promote version 1: the production endpoint serves it, and @production names it"):
            self.cli(
                "promote", str(v1), "--reason", "passed staging; first production model", *self.group_opt
            )
            self.aws.settle()
            self.expect_stage(v1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
            self.expect_served(self.production_endpoint, v1)
            self.show_production_alias(v1, load=True)
        with self.step(
            4, "Train version 2 in the pipeline with other hyperparameters, compare, approve, promote it"
        ):
            v2 = self.train(V2_HYPERPARAMETERS)
            self.cli("diff", str(v1), str(v2), *self.group_opt, role=DATA_SCIENTIST)
            self.refused_to_the_data_scientist(v2)
            self.approve_as_studio(v2)
            self.expect_stage(v2, lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED)
            self.cli("promote", str(v2), "--reason", "better RMSE than version 1", *self.group_opt)
            self.aws.settle()
            self.expect_stage(v2, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
            self.expect_stage(v1, lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_RETIRED)
            self.expect_served(self.production_endpoint, v2)
            self.say(f"production moved to version {v2} by a blue/green update; version {v1} is archived")
            self.show_production_alias(v2, load=False)
            middle = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # asked about at the end (audit log)
        with self.step(5, "Register version 3 with broken serving code: staging verification rejects it"):
            v3 = self.train(V1_HYPERPARAMETERS, serving_fault=V3_SERVING_FAULT)
            self.approve_as_studio(v3)
            rejected = self.registry.get_version(v3)
            if rejected.approval_status != lifecycle.REJECTED:
                raise DemoError(f"version {v3} should be Rejected; it is {rejected.approval_status}")
            self.say(f"version {v3}: {rejected.approval_status}, {rejected.stage}/{rejected.stage_status}")
            self.say(f"  why: {rejected.stage_description}")
            self.show_notifications()
            self.expect_served(self.production_endpoint, v2)
            self.expect_served(self.staging_endpoint, v2)
            self.say(f"production still serves version {v2}; staging is back on version {v2}")
        with self.step(6, "Roll production back to version 1 with `modelops rollback`"):
            self.cli("rollback", "--reason", "demo: return to the first production model", *self.group_opt)
            self.aws.settle()
            self.expect_served(self.production_endpoint, v1)
            self.expect_stage(v1, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED)
            self.expect_stage(v2, lifecycle.STAGE_ARCHIVED, lifecycle.STATUS_ROLLED_BACK)
            self.show_production_alias(v1, load=True)
        with self.step(7, "Where everything stands"):
            self.cli("versions", *self.group_opt)
            self.cli("status", "--project", self.project, *self.group_opt)
            self.show_timeline()
            # The audit log: every transition of the version production was rolled back to, with who and
            # why, and what each endpoint served in the middle of the run (after step 4).
            self.say(f"\nthe audit log's history of version {v1}:")
            self.cli("history", str(v1), *self.group_opt)
            self.say(f"\nwhat the endpoints served at {middle}, from the audit log:")
            self.cli("status", "--at", middle, "--project", self.project, *self.group_opt)
        dead = self.aws.dispatcher.dead_letters
        if dead:
            raise DemoError(f"{len(dead)} events were dead-lettered: {dead[0].error}")
        self.say(f"\nThe whole lifecycle ran in {time.monotonic() - self.started:.1f} s on the embedded AWS.")
        if self.tracking_uri:
            from modelops.demo_mlflow import where_the_runs_are

            self.say(where_the_runs_are(self))

    def final_state(self) -> dict[str, Any]:
        """Each version's approval and stage, and the version each endpoint serves: what a rerun must repeat."""
        versions = {
            v.version: (v.approval_status, v.stage, v.stage_status) for v in self.registry.search_versions()
        }
        served = {}
        for endpoint in (self.staging_endpoint, self.production_endpoint):
            arn = self.sm.describe_endpoint(EndpointName=endpoint)["EndpointArn"]
            tags = {t["Key"]: t["Value"] for t in self.sm.list_tags(ResourceArn=arn)["Tags"]}
            served[endpoint] = tags.get(lifecycle.TAG_SERVED_PACKAGE, "").rsplit("/", 1)[-1]
        timeline = [
            (demo_output.describe_event(d.event), d.function, d.ok) for d in self.aws.dispatcher.deliveries
        ]
        return {"versions": versions, "served": served, "timeline": timeline}

    @property
    def group_opt(self) -> list[str]:
        return ["--group", self.group]

    def train(self, hyperparameters: dict[str, int], serving_fault: str | None = None) -> int:
        from modelops.demo_mlflow import quiet_mlflow
        from modelops.local.execution_mlflow import MlflowOptions
        from modelops.local.execution_role import embedded_role_sessions
        from modelops.local.pipeline_runner import run_local_pipeline

        # As in AWS: the data scientist starts the deployed pipeline with their own keys, and the steps
        # (artifact writes, the registration with the pipeline's provenance) run under the pipeline's
        # execution role, which the local run assumes through the embedded STS as SageMaker would. With a
        # tracking server, one MLflow run per execution, linked both ways with the version.
        with quiet_mlflow():  # sagemaker-mlflow's header noise on http:// tracking URIs
            run = run_local_pipeline(
                self.scientist,
                self.aws.client("s3", role=DATA_SCIENTIST),
                group=self.group,
                bucket=self.bucket,
                threshold=_threshold(),
                project_name=self.project,
                hyperparameters=hyperparameters,
                serving_fault=serving_fault,
                role_sessions=embedded_role_sessions(self.aws),
                mlflow=MlflowOptions(self.tracking_uri) if self.tracking_uri else None,
            )
        if run.mlflow_run_id:
            self.pipeline_runs[run.version] = run.mlflow_run_id
        params = ", ".join(f"{k}={v}" for k, v in sorted(run.hyperparameters.items()))
        metrics = ", ".join(f"{k}={v:.3f}" for k, v in sorted(run.metrics.items()))
        self.say(f"registered version {run.version} ({run.approval_status}): {params}")
        self.say(f"  metrics: {metrics}; data version {run.data_version[:19]}")
        self.aws.settle()
        return run.version

    def register_best_run(self) -> int:
        from modelops.demo_mlflow import register_best_run

        return register_best_run(self)

    def show_production_alias(self, expected: int, *, load: bool) -> None:
        from modelops.demo_mlflow import show_production_alias

        show_production_alias(self, expected, load=load)

    def approve_as_studio(self, version: int) -> None:
        """What the Approve button in Studio sends: UpdateModelPackage with the approval status only."""
        arn = self.registry.get_version(version).arn
        self.say(f"UpdateModelPackage {arn.split('/', 1)[1]} ModelApprovalStatus=Approved    # as {APPROVER}")
        self.approver.update_model_package(
            ModelPackageArn=arn,
            ModelApprovalStatus=lifecycle.APPROVED,
            ApprovalDescription="approved in Studio (demo)",
        )
        self.aws.settle()

    def refused_to_the_data_scientist(self, version: int) -> None:
        """The data scientist tries to skip the approver and staging: IAM refuses, nothing changes."""
        from botocore.exceptions import ClientError

        arn = self.registry.get_version(version).arn
        self.say(
            f"UpdateModelPackage {arn.split('/', 1)[1]} ModelLifeCycle=Production/Approved    # as {DATA_SCIENTIST}"
        )
        try:
            self.scientist.update_model_package(
                ModelPackageArn=arn,
                ModelLifeCycle={
                    "Stage": lifecycle.STAGE_PRODUCTION,
                    "StageStatus": lifecycle.STATUS_APPROVED,
                    "StageDescription": "straight to production",
                },
            )
        except ClientError as error:
            self.say(f"  refused: {error.response['Error']['Code']}: {error.response['Error']['Message']}")
        else:
            raise DemoError(f"the data scientist put version {version} in Production: IAM should refuse it")
        self.expect_stage(version, lifecycle.STAGE_DEVELOPMENT, lifecycle.STATUS_REGISTERED)

    def expect_stage(self, version: int, stage: str, status: str) -> None:
        found = self.registry.get_version(version)
        if (found.stage, found.stage_status) != (stage, status):
            raise DemoError(
                f"version {version} should be {stage}/{status}; it is {found.stage}/{found.stage_status} "
                f"({found.stage_description})"
            )
        self.say(f"version {version}: {stage}/{status}: {found.stage_description}")

    def expect_served(self, endpoint: str, version: int) -> None:
        description = self.sm.describe_endpoint(EndpointName=endpoint)
        tags = self.sm.list_tags(ResourceArn=description["EndpointArn"])["Tags"]
        served = {t["Key"]: t["Value"] for t in tags}.get(lifecycle.TAG_SERVED_PACKAGE, "")
        expected = self.registry.get_version(version).arn
        if description["EndpointStatus"] != "InService" or served != expected:
            raise DemoError(
                f"{endpoint} should serve version {version} InService; it is {description['EndpointStatus']} "
                f"serving {served or 'nothing'}"
            )

    # -- notifications and timeline (modelops.demo_output) ------------------------------------------------

    def _subscribe_inbox(self, topic_arn: str) -> str:
        return demo_output.subscribe_inbox(self.aws, self.sqs, topic_arn)

    def show_notifications(self) -> None:
        demo_output.show_notifications(self)

    def show_timeline(self) -> None:
        demo_output.show_timeline(self)


# Endpoints take this long to create or update, as on AWS (where it is minutes): the handler of a CREATING
# event finds the endpoint Creating, as it would there. The handler runs within milliseconds of the call that
# started the change (the fault matrix relies on 0.2 s); each second more was a second of the demo spent
# asleep in ``settle``, seven times over.
DEMO_ENDPOINT_DELAY_SECONDS = 0.25


def _threshold() -> float:
    from modelops.contract.settings import StageSettings

    return StageSettings().metric_threshold


def main(argv: Sequence[str] | None = None) -> int:
    from modelops.local.mlflow_server import DEFAULT_PORT, port_taken

    parser = argparse.ArgumentParser(prog="python -m modelops.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--cdk-out", type=Path, default=Path("cdk.out"), help="synthesized templates")
    parser.add_argument(
        "--logs", type=Path, default=Path(".modelops/demo-lambda.log"), help="where the Lambdas' logs go"
    )
    parser.add_argument(
        "--mlflow-port", type=int, default=DEFAULT_PORT, help="the MLflow tracking server's port on 127.0.0.1"
    )
    args = parser.parse_args(argv)
    if not list(args.cdk_out.glob("*.template.json")):
        print(f"modelops demo: no templates in {args.cdk_out}/; run `make synth` first", file=sys.stderr)
        return 2
    taken = port_taken(args.mlflow_port)
    if taken:  # before the embedded AWS's start: say it now, not ten seconds later
        print(
            f"modelops demo: cannot start MLflow on 127.0.0.1:{args.mlflow_port}: {taken} (`modelops local "
            "up`, or another MLflow server? stop it, or pass --mlflow-port)",
            file=sys.stderr,
        )
        return 2
    from modelops.demo_mlflow import process_count, tracking_server
    from modelops.local.embedded import NotSettled, OutputNotFound, embedded_aws
    from modelops.local.mlflow_server import MlflowServerError
    from modelops.local.pipeline_runner import PipelineRunError
    from modelops.registry import RegistryError

    started = time.monotonic()
    print("Starting the embedded AWS from the synthesized templates, and MLflow beside it ...", flush=True)
    args.logs.parent.mkdir(parents=True, exist_ok=True)
    # Ctrl-C reaches the training step's child process too, which may fail first: `received` tells an
    # interrupt from a real error, whichever surfaces.
    with interrupts_raised(signal.SIGINT) as received:
        try:
            with (
                embedded_aws(args.cdk_out, endpoint_delay_seconds=DEMO_ENDPOINT_DELAY_SECONDS) as aws,
                demo_output.lambda_logs_to(args.logs),
                tracking_server(aws, args.mlflow_port) as mlflow,  # stopped before the embedded AWS
            ):
                print(f"  deployer Lambda logs go to {args.logs}", flush=True)
                print(
                    f"  MLflow tracking server (UI) on {mlflow.tracking_uri}: {process_count(mlflow.pid)} "
                    f"processes (process group {mlflow.pid}), stopped and its state removed when the demo ends",
                    flush=True,
                )
                print(f"  ready in {time.monotonic() - started:.1f} s", flush=True)
                Demo(aws, received=received, tracking_uri=mlflow.tracking_uri).run()
        except KeyboardInterrupt:
            pass
        except (
            DemoError,
            PipelineRunError,
            RegistryError,
            NotSettled,
            OutputNotFound,
            MlflowServerError,
        ) as error:
            if not received:
                print(f"modelops demo: {error}", file=sys.stderr)
                return 1
        else:
            if not received:
                return 0
    print(
        "\nmodelops demo: interrupted; the embedded AWS and MLflow are stopped, nothing is left running",
        file=sys.stderr,
    )
    return 130


if __name__ == "__main__":
    raise SystemExit(main())
