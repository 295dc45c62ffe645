"""``modelops``: the model registry from the command line. It parses arguments, calls the library, prints.

Exit status: 0 done, 1 the operation failed (unknown version, illegal transition, AWS refused), 2 usage
(bad option, malformed reference, missing reason). Errors are one line on stderr, never a traceback.
AWS is reached through the default credential chain, or the embedded AWS when ``AWS_ENDPOINT_URL`` is set.
Heavy imports (boto3, the embedded AWS) happen inside commands so ``modelops --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from modelops import cli_mlflow, cli_shadow
from modelops.cli_group import F, MainGroup, handled
from modelops.contract import lifecycle, names

if TYPE_CHECKING:
    from modelops.registry import ModelRegistry

DEFAULT_GROUP = names.DEFAULT_GROUP_NAME
DEFAULT_PROJECT = names.DEFAULT_PROJECT_NAME
GROUP_ENV = names.ENV_GROUP_NAME
PROJECT_ENV = names.ENV_CLI_PROJECT


def _registry_options(function: F) -> F:
    function = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        function
    )
    function = click.option("--region", default=None, help="AWS region (default: the credential chain's).")(
        function
    )
    function = click.option(
        "--group",
        envvar=GROUP_ENV,
        default=DEFAULT_GROUP,
        show_default=True,
        help=f"Model package group (env {GROUP_ENV}).",
    )(function)
    return function


def _registry(group: str, region: str | None, *references: str | None) -> ModelRegistry:
    from modelops.deploy.clients import session as aws_session
    from modelops.registry import ModelRegistry, parse_reference

    # A models:/<name>/... or ARN reference names its model; use it unless --group said otherwise.
    ctx = click.get_current_context()
    if ctx.get_parameter_source("group") == click.core.ParameterSource.DEFAULT:
        named = {parse_reference(r).group for r in references if r is not None} - {None}
        if len(named) == 1:
            group = next(iter(named)) or group
    session = aws_session(region)
    return ModelRegistry(session.client("sagemaker"), group, logs_client=session.client("logs"))


def _echo(as_json: bool, payload: Any, text: str) -> None:
    from modelops import cli_format

    click.echo(cli_format.as_json(payload) if as_json else text)


def _metric_bounds(values: tuple[str, ...], option: str) -> dict[str, float]:
    bounds = {}
    for value in values:
        name, _, number = value.partition("=")
        try:
            bounds[name.strip()] = float(number)
        except ValueError:
            raise click.BadParameter(
                f"{value!r} is not NAME=NUMBER (e.g. rmse=55)", param_hint=option
            ) from None
        if not name.strip():
            raise click.BadParameter(f"{value!r} has no metric name (e.g. rmse=55)", param_hint=option)
    return bounds


def _pairs(values: tuple[str, ...], option: str, example: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, equals, text = value.partition("=")
        if not equals:
            raise click.BadParameter(f"{value!r} is not NAME=VALUE (e.g. {example})", param_hint=option)
        if not name.strip():
            raise click.BadParameter(f"{value!r} has no name (e.g. {example})", param_hint=option)
        pairs[name.strip()] = text
    return pairs


@click.group(
    cls=MainGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}
)
@click.version_option(package_name="modelops")
def main() -> None:
    """Versions, stages and deployments of a SageMaker model registry.

    References name a version: 7, latest, latest-approved, staging, production, a model package ARN,
    models:/<name>/<version>, models:/<name>/latest or models:/<name>@<stage>.
    """


@main.command()
@_registry_options
@click.option("--status", "approval_status", type=click.Choice(lifecycle.APPROVAL_STATUSES))
@click.option("--stage", type=click.Choice(lifecycle.STAGES))
@click.option("--stage-status", help="ModelLifeCycle.StageStatus, e.g. Passed or Deployed.")
@click.option("--min", "minimum", multiple=True, metavar="METRIC=N", help="Lower bound on a metric.")
@click.option("--max", "maximum", multiple=True, metavar="METRIC=N", help="Upper bound on a metric.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many (newest first).")
@handled
def versions(
    group: str,
    region: str | None,
    as_json: bool,
    approval_status: str | None,
    stage: str | None,
    stage_status: str | None,
    minimum: tuple[str, ...],
    maximum: tuple[str, ...],
    limit: int | None,
) -> None:
    """List versions, newest first, filtered by approval, stage and metric bounds."""
    from modelops import cli_format

    found = _registry(group, region).search_versions(
        approval_status=approval_status,
        stage=stage,
        stage_status=stage_status,
        metric_min=_metric_bounds(minimum, "--min"),
        metric_max=_metric_bounds(maximum, "--max"),
        limit=limit,
    )
    _echo(as_json, [v.to_dict() for v in found], cli_format.versions_table(found))


@main.command()
@click.option("--image", help="Serving container image URI (a model outside MLflow).")
@click.option("--model-data-url", help="s3:// URI of model.tar.gz (a model outside MLflow).")
@cli_mlflow.run_options
@click.option("--code-commit", help="Commit the model was trained from.")
@click.option("--data-version", help="Version of the training data (e.g. its sha256).")
@click.option("--metric", "metrics", multiple=True, metavar="NAME=N", help="An evaluation metric (repeat).")
@click.option("--hyperparameter", "hyperparameters", multiple=True, metavar="NAME=V", help="Repeatable.")
@click.option("--property", "properties", multiple=True, metavar="KEY=V", help="Other metadata (repeat).")
@click.option("--description", help="Shown next to the version in Studio.")
@_registry_options
@handled
def register(
    image: str | None,
    model_data_url: str | None,
    code_commit: str | None,
    data_version: str | None,
    metrics: tuple[str, ...],
    hyperparameters: tuple[str, ...],
    properties: tuple[str, ...],
    description: str | None,
    group: str,
    region: str | None,
    as_json: bool,
    **run: Any,
) -> None:
    """Register a new version, pending approval (the same request as the pipeline's Register step), from a
    model archive or from an MLflow run (--experiment NAME --best METRIC [--max], or --run RUN_ID)."""
    if cli_mlflow.registered_run(run, image, model_data_url, group, region, as_json):
        return
    assert image is not None and model_data_url is not None
    version = _registry(group, region).register_version(
        image=image,
        model_data_url=model_data_url,
        code_commit=code_commit,
        data_version=data_version,
        metrics=_metric_bounds(metrics, "--metric"),
        hyperparameters=_pairs(hyperparameters, "--hyperparameter", "max_depth=6"),
        properties=_pairs(properties, "--property", "owner=ml-team"),
        description=description,
    )
    _echo(
        as_json,
        version.to_dict(),
        f"registered version {version.version} ({version.approval_status}): {version.arn}",
    )


@main.command()
@click.argument("reference")
@_registry_options
@handled
def show(reference: str, group: str, region: str | None, as_json: bool) -> None:
    """Show one version: approval, stage, metrics, hyperparameters, provenance."""
    from modelops import cli_format

    version = _registry(group, region, reference).get_version(reference)
    _echo(as_json, version.to_dict(), cli_format.version_details(version))


@main.command()
@click.argument("a")
@click.argument("b")
@_registry_options
@handled
def diff(a: str, b: str, group: str, region: str | None, as_json: bool) -> None:
    """Compare version B with version A: metrics (with deltas), hyperparameters, data, code, image, stage."""
    from modelops import cli_format

    result = _registry(group, region, a, b).diff_versions(a, b)
    _echo(as_json, result.to_dict(), cli_format.diff_tables(result))


@main.command()
@click.argument("reference")
@click.option("--reason", required=True, help="Why (kept as the ApprovalDescription).")
@click.option("--override", is_flag=True, help="Approve a version that was rejected.")
@_registry_options
@handled
def approve(
    reference: str, reason: str, override: bool, group: str, region: str | None, as_json: bool
) -> None:
    """Approve a version (this starts its staging deployment)."""
    registry = _registry(group, region, reference)
    before = registry.get_version(reference)
    after = registry.approve_version(reference, reason, override=override)
    text = f"version {after.version}: {after.approval_status} ({reason.strip()})"
    if (
        before == after
        and after.approval_status == lifecycle.APPROVED
        and after.stage
        in (
            None,
            lifecycle.STAGE_DEVELOPMENT,
        )
    ):
        # Approved, yet never deployed: its approval event failed into a dead-letter queue.
        text = (
            f"version {after.version} is already Approved; nothing changed, but it was never deployed to "
            "staging: its deployment failed (see the dead-letter queue alarms); run `modelops redrive` "
            "once the cause is fixed"
        )
        _echo(as_json, after.to_dict(), text)
        return
    _report(as_json, before, after, text)


@main.command()
@click.argument("reference")
@click.option("--reason", required=True, help="Why (kept as the ApprovalDescription).")
@_registry_options
@handled
def reject(reference: str, reason: str, group: str, region: str | None, as_json: bool) -> None:
    """Reject a version."""
    registry = _registry(group, region, reference)
    before = registry.get_version(reference)
    after = registry.reject_version(reference, reason)
    _report(as_json, before, after, f"version {after.version}: {after.approval_status} ({reason.strip()})")


@main.command()
@click.argument("reference")
@click.option("--reason", required=True, help="Why (kept as the StageDescription).")
@_registry_options
@handled
def promote(reference: str, reason: str, group: str, region: str | None, as_json: bool) -> None:
    """Ask for production: a version that passed staging becomes Production/Approved."""
    registry = _registry(group, region, reference)
    version = registry.get_version(reference).version
    cli_shadow.refuse_promotion_during_test(_sagemaker(region), _env_project(), version)
    after = registry.promote_version(reference, reason)
    _echo(
        as_json,
        after.to_dict(),
        f"version {after.version}: {after.stage}/{after.stage_status}; the production deployment starts",
    )


@main.command()
@click.option("--reason", required=True, help="Why (kept as the StageDescription).")
@click.option("--to", "to", default=None, help="A retired version to go back to (default: the previous one).")
@_registry_options
@handled
def rollback(reason: str, to: str | None, group: str, region: str | None, as_json: bool) -> None:
    """Redeploy the previous production version (or --to one)."""
    target = _registry(group, region, to).rollback(reason, to=to)
    _echo(
        as_json,
        target.to_dict(),
        f"version {target.version}: {target.stage}/{target.stage_status}; production will be redeployed with it",
    )


@main.command()
@click.option(
    "--project",
    envvar=PROJECT_ENV,
    default=DEFAULT_PROJECT,
    show_default=True,
    help=f"Project name; its dead-letter queues are the <project>-deployment stack's (env {PROJECT_ENV}).",
)
@click.option("--dry-run", is_flag=True, help="List what would be re-driven; run nothing.")
@click.option("--region", default=None, help="AWS region (default: the credential chain's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@handled
def redrive(project: str, dry_run: bool, region: str | None, as_json: bool) -> None:
    """Give the events in the deployer's dead-letter queues to their handlers again."""
    from modelops import cli_format
    from modelops.deploy.clients import session as aws_session
    from modelops.redrive import RedriveError, deployment_stack_name
    from modelops.redrive import redrive as run

    session = aws_session(region)
    try:
        results = run(
            session.client("cloudformation"),
            session.client("sqs"),
            session.client("lambda"),
            deployment_stack_name(project),
            dry_run=dry_run,
        )
    except RedriveError as error:
        raise click.ClickException(str(error)) from None
    _echo(as_json, [r.to_dict() for r in results], cli_format.redrive_table(results))
    if any(not r.ok for r in results):
        raise SystemExit(1)  # some failed again: they stay in their queues


@main.command()
@click.argument("reference", required=False)
@click.option("--since", default=None, help="Only transitions from this time on (ISO 8601, UTC by default).")
@_registry_options
@handled
def history(reference: str | None, since: str | None, group: str, region: str | None, as_json: bool) -> None:
    """Every transition from the audit log, newest first: approval and stage from -> to, who, why."""
    from modelops import cli_audit

    start = cli_audit.parse_time(since, "--since") if since is not None else None
    rows = _registry(group, region, reference).get_history(reference, since=start)
    _echo(as_json, [r.to_dict() for r in rows], cli_audit.history_table(rows))


@main.command()
@click.argument("reference")
@_registry_options
@handled
def resolve(reference: str, group: str, region: str | None, as_json: bool) -> None:
    """Print the model package ARN a reference names."""
    arn = _registry(group, region, reference).resolve(reference)
    _echo(as_json, {"reference": reference, "arn": arn}, arn)


@main.command()
@click.option(
    "--project",
    envvar=PROJECT_ENV,
    default=DEFAULT_PROJECT,
    show_default=True,
    help=f"Project name; endpoints are <project>-staging and <project>-production (env {PROJECT_ENV}).",
)
@click.option("--at", "at", default=None, help="What each endpoint served at this time, from the audit log.")
@_registry_options
@handled
def status(project: str, at: str | None, group: str, region: str | None, as_json: bool) -> None:
    """What each endpoint serves next to what the registry says, with drift flagged (or served --at TIME)."""
    from modelops import cli_format

    if at is not None:
        from modelops import cli_audit
        from modelops.registry.audit import LogDoesNotReachBack

        moment = cli_audit.parse_time(at, "--at")
        try:
            served = cli_audit.status_at(group, project, region, moment)
        except LogDoesNotReachBack as error:
            raise click.ClickException(str(error)) from None
        _echo(as_json, [s.to_dict() for s in served], cli_audit.served_table(served, moment))
        return
    registry = _registry(group, region)
    statuses = registry.get_endpoint_status(project)
    shadow_line = None if as_json else cli_shadow.status_line(_sagemaker(region), project)
    table = cli_format.status_table(statuses)
    _echo(as_json, [s.to_dict() for s in statuses], f"{table}\n{shadow_line}" if shadow_line else table)


def _report(as_json: bool, before: Any, after: Any, text: str) -> None:
    if before == after and not as_json:
        text = f"version {after.version} is already {after.approval_status}; nothing changed"
    _echo(as_json, after.to_dict(), text)


def _env_project() -> str:
    import os

    return os.environ.get(PROJECT_ENV) or DEFAULT_PROJECT


def _sagemaker(region: str | None) -> Any:
    from modelops.deploy.clients import session as aws_session

    return aws_session(region).client("sagemaker")


main.add_command(cli_shadow.shadow)


if __name__ == "__main__":  # pragma: no cover - `python -m modelops.cli`
    main(prog_name="modelops")
