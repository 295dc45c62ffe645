"""``modelops local``: the embedded AWS on this machine (``up``), what it adds to moto (``patches``), and the
local pipeline run (``run-pipeline``, added by ``modelops.local.pipeline_cli``)."""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import click

from modelops.interrupts import interrupts_raised
from modelops.local.dispatcher import DELIVERY_MODES, Delivery

if TYPE_CHECKING:
    from modelops.local.mlflow_server import MlflowTrackingServer

local = click.Group("local", help="Run the whole lifecycle with no AWS account: the embedded AWS.")


def _print_delivery(delivery: Delivery) -> None:
    outcome = "ok" if delivery.ok else f"FAILED after {delivery.attempts} attempts: {delivery.error}"
    where = f" -> dead letter {delivery.dead_letter_arn}" if delivery.dead_letter_arn else ""
    click.echo(f"[{delivery.rule}] {delivery.event['detail-type']} -> {delivery.function}: {outcome}{where}")


_RESOURCE_LINE = re.compile(r"^\S+ \((?P<kind>[^)]+)\)(?:: (?P<why>.*)| -> .*)$")


def _by_type(lines: list[str]) -> list[str]:
    """``stack/id (Type) -> name`` or ``stack/id (Type): why`` lines, counted per type (and reason)."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in lines:
        match = _RESOURCE_LINE.match(line)
        counts[(match["kind"], match["why"] or "") if match else (line, "")] += 1
    return [f"{n:3d} {kind}" + (f": {why}" if why else "") for (kind, why), n in sorted(counts.items())]


# The emulator's default port: 5000 is MLflow's default, which the tracking server beside it takes.
DEFAULT_PORT = 5001


@local.command("up")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1 (0: any free port).",
)
@click.option(
    "--mlflow-port",
    type=click.IntRange(1, 65535),
    default=5000,
    show_default=True,
    help="Port of the MLflow tracking server on 127.0.0.1.",
)
@click.option("--no-mlflow", is_flag=True, help="Do not start the MLflow tracking server.")
@click.option(
    "--cdk-out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("cdk.out"),
    show_default=True,
    help="Synthesized templates to provision from (make synth writes them).",
)
@click.option("--region", default="us-east-1", show_default=True)
@click.option(
    "--endpoint-delay",
    type=click.FloatRange(0, 3600),
    default=0.0,
    show_default=True,
    help="Seconds an endpoint spends Creating/Updating.",
)
@click.option(
    "--delivery",
    type=click.Choice(DELIVERY_MODES),
    default="once",
    show_default=True,
    help="How events reach the Lambda handlers.",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="How many events reach the handlers at once.",
)
@click.option("--verbose", "-v", is_flag=True, help="List every resource, not counts by type.")
def up(
    port: int,
    cdk_out: Path,
    region: str,
    endpoint_delay: float,
    delivery: str,
    concurrency: int,
    verbose: bool,
    mlflow_port: int,
    no_mlflow: bool,
) -> None:
    """Serve the embedded AWS (and an MLflow tracking server) on 127.0.0.1 in the foreground until Ctrl-C."""
    from modelops.local.server import LocalServer, ServerError

    if not cdk_out.is_dir():
        click.echo(
            f"modelops local: no {cdk_out}/ (run `make synth`): starting with nothing provisioned", err=True
        )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = LocalServer(
        cdk_out,
        port=port,
        region=region,
        endpoint_delay_seconds=endpoint_delay,
        delivery=delivery,  # type: ignore[arg-type]  # click.Choice guarantees the literal
        on_delivery=_print_delivery,
        concurrency=concurrency,
    )
    started = time.perf_counter()
    try:
        aws = server.start()
    except ServerError as exc:
        raise click.ClickException(str(exc)) from None
    provisioned = aws.provisioned
    click.echo(
        f"embedded AWS on {server.endpoint_url} (account {aws.account_id}, region {region}), "
        f"started in {time.perf_counter() - started:.1f} s"
    )
    click.echo(
        f"provisioned {len(provisioned.created)} resources, {len(provisioned.rules)} rules with "
        f"{len(provisioned.functions)} Lambda handlers run in-process:"
    )
    for line in provisioned.created if verbose else _by_type(provisioned.created):
        click.echo(f"  {line}")
    if provisioned.not_provisioned or provisioned.problems:
        click.echo("not provisioned:")
        skipped = provisioned.not_provisioned if verbose else _by_type(provisioned.not_provisioned)
        for line in skipped + provisioned.problems:
            click.echo(f"  {line}")
    click.echo(
        "\nwarning: creating an endpoint runs the model's serving code (code/inference.py of its archive) "
        "in this process, as you: give it only models you trust. It answers only requests signed with the "
        "credentials below (made for this run), closes moto's /moto-api routes and serves no CORS."
    )
    click.echo("\nin another shell:")
    click.echo(f"  export AWS_ENDPOINT_URL={server.endpoint_url}")
    click.echo(f"  export AWS_DEFAULT_REGION={region}")
    click.echo(
        f"  export AWS_ACCESS_KEY_ID={server.credentials.access_key_id} "
        f"AWS_SECRET_ACCESS_KEY={server.credentials.secret_access_key}"
    )
    click.echo("  unset AWS_SESSION_TOKEN AWS_PROFILE")
    if server.credentials_file is not None:
        click.echo(f"  export AWS_SHARED_CREDENTIALS_FILE={server.credentials_file}")
        click.echo(
            "IAM is enforced: the keys above are the account administrator's; act as a human role with "
            "--profile data-scientist / --profile approver (AWS CLI) or boto3.Session(profile_name=...)."
        )
    tracking = None
    try:
        # A supervisor's SIGTERM stops it as cleanly as Ctrl-C, also while MLflow is starting.
        with interrupts_raised(signal.SIGINT, signal.SIGTERM):
            tracking = None if no_mlflow else _start_mlflow(server, aws, mlflow_port)
            click.echo("\nCtrl-C stops it.")
            threading.Event().wait()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        if tracking is not None:
            tracking.stop()
        server.stop()


def _start_mlflow(server: object, aws: object, port: int) -> MlflowTrackingServer | None:
    """The MLflow tracking server beside the emulator (``modelops.local.mlflow_commands``); None if skipped."""
    from modelops.local.mlflow_commands import start_tracking_server

    return start_tracking_server(server, aws, port)


@local.command("patches")
@click.option(
    "--verbose", "-v", is_flag=True, help="Also list the attributes of moto's classes each patches."
)
def patches(verbose: bool) -> None:
    """List what the embedded AWS adds to moto: one patch group per AWS behaviour, and where AWS documents it."""
    from modelops.local.patches import registry

    for group in registry():
        click.echo(f"{group.name}: {group.behaviour}")
        click.echo(f"  operations: {', '.join(group.operations)}")
        for index, url in enumerate(group.references):
            click.echo(f"  {'reference: ' if index == 0 else ' ' * 11}{url}")
        if verbose:
            for patch in group.patches:
                click.echo(f"  patches:    {patch.target}{' (extends the original)' if patch.wraps else ''}")


def _add_run_pipeline() -> None:
    # The pipeline helper's command lives in its own module; without scikit-learn it is simply absent.
    try:
        from modelops.local.pipeline_cli import run_pipeline
    except ImportError:
        return
    local.add_command(run_pipeline)


_add_run_pipeline()
