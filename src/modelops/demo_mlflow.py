"""The demo's MLflow side: the tracking server beside the in-process embedded AWS, and the founding workflow.

The demo keeps the embedded AWS in its own process (deterministic ``settle``; nothing outlives it), but the
tracking server is another process (the pinned ``mlflow server``, as ``modelops local up`` runs it:
``modelops.local.mlflow_server``). That process reaches the same moto backends through a small HTTP front on a
free 127.0.0.1 port, signed requests only (``server_auth.guarded``, the local server's guard), for what it
does itself: list a run's artifacts in S3 for the UI, and answer the UI's registry pages from SageMaker
through modelops' store in read-only mode, as a session of the registry stack's MLflow registry reader role
(``mlflow_server.reader_environment``), which IAM lets read and nothing else. Everything the data scientist
does (logging runs, writing artifacts, registering) runs in the demo's process with the data scientist's
own keys.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from modelops.demo import Demo

EXPERIMENT = "diabetes-random-forest"
# Three hyperparameter sets for the founding workflow's runs; the lowest held-out RMSE is registered.
RUNS = (
    {"n_estimators": 20, "max_depth": 2},
    {"n_estimators": 100, "max_depth": 4},
    {"n_estimators": 200, "max_depth": 8},
)
# MLflow 3 saves scikit-learn models with skops and refuses a forest's tree type unless it is trusted
# (MLflow's own requirement; see the README's MLflow section).
SKOPS_TRUSTED = ["sklearn.tree._tree.Tree"]
INPUT_EXAMPLE_ROWS = 3  # stored as the version's sample payloads: staging verifies with them
# What the first step imports (MLflow, its scikit-learn flavour and the skops it saves models with,
# scikit-learn), about 6 s here: imported while the tracking server starts, which leaves this process waiting.
FIRST_STEP_IMPORTS = (
    "mlflow",
    "mlflow.sklearn",
    "skops.io",
    "sklearn.datasets",
    "sklearn.ensemble",
    "sklearn.metrics",
    "sklearn.model_selection",
)


@contextlib.contextmanager
def served_over_http(aws: Any) -> Iterator[str]:
    """The in-process emulator's backends on ``http://127.0.0.1:<free port>`` for another process, accepting
    only requests signed with the administrator's keys or a session the embedded AWS issued."""
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from modelops.local.server_auth import KeyRing, ServerCredentials, guarded

    keys = KeyRing(ServerCredentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]))
    if aws.iam is not None:
        keys.issued = aws.iam.callers.secret_for
    app = guarded(DomainDispatcherApplication(create_backend_app), keys)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="demo-aws-front", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@contextlib.contextmanager
def tracking_server(aws: Any, port: int) -> Iterator[Any]:
    """The MLflow tracking server for ``aws``'s registry stack, running for the block and stopped on any exit
    (an interrupt included): its state lives and dies with the embedded AWS's, as under ``local up``."""
    from modelops.local.mlflow_server import MlflowTrackingServer, reader_environment
    from modelops.mlflow_registry import registry_uri

    group, bucket = aws.output("ModelPackageGroupName"), aws.output("ArtifactBucketName")
    with served_over_http(aws) as front:
        # As `local up` starts its server: the registry reader role's keys (reads only), where IAM is enforced.
        environment = {
            "AWS_ENDPOINT_URL": front,
            "AWS_DEFAULT_REGION": aws.region,
            "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
            **reader_environment(aws),
        }
        server = MlflowTrackingServer(
            artifact_bucket=bucket,
            registry_uri=registry_uri([group], bucket),
            environment=environment,
            port=port,
        )
        server.start(meanwhile=lambda: [importlib.import_module(name) for name in FIRST_STEP_IMPORTS])
        try:
            yield server
        finally:
            server.stop()


def process_count(leader: int | None) -> int:
    """How many processes are in ``leader``'s process group (the tracking server and the workers it forks),
    read from /proc (Linux); 0 where there is no /proc."""
    if leader is None or not os.path.isdir("/proc"):
        return 0
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                count += os.getpgid(int(entry)) == leader
    return count


@dataclass(frozen=True)
class LoggedRun:
    run_id: str
    hyperparameters: dict[str, int]
    rmse: float


# sagemaker-mlflow's header provider fails on every plain http:// tracking URI and logs it (DESIGN.md); MLflow
# says it found this checkout's uv project (MLFLOW_LOG_UV_FILES=false keeps it out of the model), and that
# this venv has no pip to pin (the model's requirements are named: log_runs).
_NOISY_LOGGERS = (
    "mlflow.tracking.request_header.registry",
    "mlflow.utils.uv_utils",
    "mlflow.utils.environment",
)


def quiet_mlflow() -> contextlib.AbstractContextManager[None]:
    """MLflow's known noise silenced (``_NOISY_LOGGERS``) for a block that talks to the tracking server."""
    return _quiet(_NOISY_LOGGERS)


@contextlib.contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    import logging

    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def mlflow_as(aws: Any, role: str, tracking_uri: str) -> Iterator[Any]:
    """MLflow's fluent client pointed at the tracking server and modelops' registry store, with ``role``'s keys
    in the environment (as a data scientist's shell holds them after ``local up``'s exports)."""
    import mlflow
    from mlflow.store.artifact.s3_artifact_repo import _cached_get_s3_client

    from modelops.mlflow_registry import registry_uri

    group, bucket = aws.output("ModelPackageGroupName"), aws.output("ArtifactBucketName")
    settings = {
        **aws.credentials(role).environment(),
        "MLFLOW_TRACKING_URI": tracking_uri,
        "MLFLOW_REGISTRY_URI": registry_uri([group], bucket),
        "MODELOPS_ARTIFACT_BUCKET": bucket,
        # The checkout's uv.lock describes this project, not the model: MLflow would log it beside the model.
        "MLFLOW_LOG_UV_FILES": "false",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }
    # MLflow caches its S3 clients process-wide with the keys they were made with (not part of the cache key
    # when they come from the environment): one made for another role, or an earlier embedded AWS, would
    # write with keys this one does not know.
    _cached_get_s3_client.cache_clear()
    with mock.patch.dict(os.environ, settings), _quiet(_NOISY_LOGGERS):
        mlflow.set_tracking_uri(tracking_uri)
        mlflow.set_registry_uri(settings["MLFLOW_REGISTRY_URI"])
        try:
            yield mlflow
        finally:
            mlflow.set_tracking_uri(None)  # type: ignore[arg-type]
            mlflow.set_registry_uri(None)  # type: ignore[arg-type]
            _cached_get_s3_client.cache_clear()


def log_runs(mlflow: Any) -> list[LoggedRun]:
    """The founding document's example, three times: a forest per hyperparameter set on the bundled diabetes
    data, its held-out RMSE, and the model with an input example, logged without registering it."""
    from importlib.metadata import version

    import numpy as np
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import train_test_split

    data = load_diabetes(as_frame=True)
    x_train, x_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.2, random_state=0)
    # Named, not inferred: MLflow infers requirements by loading the model in a subprocess (~30 s a run).
    requirements = [f"scikit-learn=={version('scikit-learn')}", f"skops=={version('skops')}"]
    mlflow.set_experiment(EXPERIMENT)
    logged = []
    for hyperparameters in RUNS:
        with mlflow.start_run(
            run_name=f"forest-{hyperparameters['n_estimators']}x{hyperparameters['max_depth']}"
        ):
            forest = RandomForestRegressor(**hyperparameters, random_state=0).fit(x_train, y_train)
            rmse = float(np.sqrt(mean_squared_error(y_test, forest.predict(x_test))))
            for name, value in hyperparameters.items():
                mlflow.log_param(name, value)
            mlflow.log_metric("rmse", rmse)
            info = mlflow.sklearn.log_model(
                sk_model=forest,
                name="random-forest-model",
                skops_trusted_types=SKOPS_TRUSTED,
                input_example=x_test.head(INPUT_EXAMPLE_ROWS),
                pip_requirements=requirements,
            )
            logged.append(LoggedRun(info.run_id, hyperparameters, rmse))
    return logged


def runs_table(runs: list[LoggedRun]) -> list[str]:
    best = min(runs, key=lambda run: run.rmse)
    lines = [f"  {'run':32s}  {'n_estimators':>12s}  {'max_depth':>9s}  {'rmse':>8s}"]
    for run in runs:
        mark = "  <- lowest" if run is best else ""
        lines.append(
            f"  {run.run_id:32s}  {run.hyperparameters['n_estimators']:12d}  "
            f"{run.hyperparameters['max_depth']:9d}  {run.rmse:8.3f}{mark}"
        )
    return lines


def one_row() -> Any:
    """The bundled data's first patient, as a one-row frame (what ``pyfunc`` models take)."""
    from sklearn.datasets import load_diabetes

    return load_diabetes(as_frame=True).data.head(1)


def register_best_run(demo: Demo) -> int:
    """The founding workflow, as the data scientist: three runs logged to MLflow, the best registered with
    the CLI; ``models:/<group>/N`` then names the same version in MLflow and in ``modelops show``."""
    from modelops.demo import DATA_SCIENTIST, DemoError

    if demo.tracking_uri is None:
        raise DemoError("no MLflow tracking server: step 1 logs its runs there")
    demo.say(f"MLflow runs logged to {demo.tracking_uri} (its UI), experiment {EXPERIMENT!r}:")
    with mlflow_as(demo.aws, DATA_SCIENTIST, demo.tracking_uri) as mlflow:
        runs = log_runs(mlflow)
        for line in runs_table(runs):
            demo.say(line)
        demo.cli(
            "register", "--experiment", EXPERIMENT, "--best", "rmse", *demo.group_opt, role=DATA_SCIENTIST
        )
        demo.aws.settle()
        best = min(runs, key=lambda run: run.rmse)
        version = demo.registry.get_version("latest")
        in_mlflow = mlflow.MlflowClient().get_model_version(demo.group, str(version.version))
    if in_mlflow.run_id != best.run_id or version.properties.get("mlflow.run_id") != best.run_id:
        raise DemoError(
            f"models:/{demo.group}/{version.version} should be run {best.run_id} in MLflow and SageMaker; "
            f"MLflow says {in_mlflow.run_id}, SageMaker {version.properties.get('mlflow.run_id')}"
        )
    demo.say(f"models:/{demo.group}/{version.version} in MLflow: run {in_mlflow.run_id}; and in modelops:")
    demo.cli("show", f"models:/{demo.group}/{version.version}", *demo.group_opt, role=DATA_SCIENTIST)
    return version.version


def show_production_alias(demo: Demo, expected: int, *, load: bool) -> None:
    """Where ``@production`` points, read through MLflow's client (the alias reads where a version is);
    with ``load``, MLflow loads that version and predicts one row."""
    from modelops.demo import DATA_SCIENTIST, DemoError

    if demo.tracking_uri is None:
        return
    uri = f"models:/{demo.group}@production"
    with mlflow_as(demo.aws, DATA_SCIENTIST, demo.tracking_uri) as mlflow:
        found = mlflow.MlflowClient().get_model_version_by_alias(demo.group, "production")
        if int(found.version) != expected:
            raise DemoError(f"{uri} should name version {expected}; it names version {found.version}")
        demo.say(f"{uri} -> version {found.version} (aliases: {', '.join(found.aliases)})")
        if load:
            prediction = mlflow.pyfunc.load_model(uri).predict(one_row())
            demo.say(
                f"  mlflow.pyfunc.load_model({uri!r}).predict(first patient) = {float(prediction[0]):.1f}"
            )


def where_the_runs_are(demo: Demo) -> str:
    """The demo's last words on MLflow: where the UI is, and which experiment holds which runs (the pipeline's
    experiment read from its runs: the definition's MlflowConfig may name it, else it is the pipeline's name)."""
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=demo.tracking_uri)
    runs = demo.pipeline_runs
    where = f"The MLflow UI is on {demo.tracking_uri}: the versions with their aliases, step 1's runs in {EXPERIMENT!r}"
    if not runs:
        return where + "."
    with _quiet(_NOISY_LOGGERS):
        names = sorted(
            {client.get_experiment(client.get_run(r).info.experiment_id).name for r in runs.values()}
        )
    versions = ", ".join(str(v) for v in sorted(runs))
    return (
        f"{where},\n  and one run per pipeline execution in {', '.join(map(repr, names))} (versions {versions}), "
        "each tagged with the version it registered."
    )
