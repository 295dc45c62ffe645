"""``modelops local up``'s MLflow part: start the tracking server beside the emulator, print its exports.

Kept apart from ``commands`` so the emulator's own start stays as it was; the server stops before the
emulator does (``commands.up``).
"""

from __future__ import annotations

from typing import Any

import click

from modelops.local.embedded import OutputNotFound
from modelops.local.mlflow_server import MlflowServerError, MlflowTrackingServer, reader_environment
from modelops.mlflow_registry import registry_uri


def start_tracking_server(server: Any, aws: Any, port: int) -> MlflowTrackingServer | None:
    try:
        group, bucket = aws.output("ModelPackageGroupName"), aws.output("ArtifactBucketName")
    except OutputNotFound:
        click.echo("\nMLflow: no registry stack provisioned (run `make synth`), so no tracking server")
        return None
    try:
        reader = reader_environment(aws)  # its registry pages read as a role that can only read
    except OutputNotFound:
        click.echo("\nMLflow: the registry stack has no MLflow registry reader role (run `make synth`)")
        return None
    uri = registry_uri([group], bucket)
    environment = {
        "AWS_ENDPOINT_URL": server.endpoint_url,
        "AWS_DEFAULT_REGION": aws.region,
        **server.credentials.environment(),
        **reader,
    }
    tracking = MlflowTrackingServer(
        artifact_bucket=bucket, registry_uri=uri, environment=environment, port=port
    )
    try:
        tracking.start()
    except MlflowServerError as error:
        # The emulator stays useful without MLflow: say why, keep serving.
        click.echo(f"\nMLflow: {error}; the embedded AWS runs without a tracking server", err=True)
        return None
    click.echo(
        f"\nMLflow tracking server (UI) on {tracking.tracking_uri}, artifacts in s3://{bucket}/mlflow:"
    )
    click.echo(f"  export MLFLOW_TRACKING_URI={tracking.tracking_uri}")
    click.echo(f"  export MLFLOW_REGISTRY_URI='{uri}'")
    click.echo(f"  export MODELOPS_ARTIFACT_BUCKET={bucket}")
    return tracking
