"""The embedded AWS as a server on 127.0.0.1: boto3, the AWS CLI and ``modelops`` reach it through the
standard ``AWS_ENDPOINT_URL``.

moto's server answers the API; the patches, the provisioning and the dispatcher are the in-process ones
(same process, same backends); a background thread runs endpoint transitions and dispatches events
continuously. The handlers run in this process too, their clients pointed at the server like any client.
The synthesized stacks are also registered with the emulator's CloudFormation (outputs only), so code that
reads a deployed stack's outputs (``describe_stacks``) finds them as it would after ``cdk deploy``.
Besides the AWS APIs it answers one emulator-only route, ``POST /modelops-api/pipeline-execution-steps``,
through which a local pipeline run in another process records its steps (``execution_route``).

It accepts only requests signed with the credentials it generates at start (``credentials``, the account
administrator's) or with role sessions the embedded AWS issued, closes moto's ``/moto-api`` routes and
serves no CORS (``server_auth``): creating an endpoint runs the model's serving code in this process. IAM is
enforced on every request (``modelops.local.iam.enforcement``); the handlers run under their functions'
roles, and ``credentials_file`` (an AWS shared-credentials file, written at start) holds one profile per
human role, ``data-scientist`` and ``approver``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelops.local import embedded
from modelops.local.dispatcher import Delivery, DeliveryMode
from modelops.local.server_auth import KeyRing, ServerCredentials, guarded

HUMAN_ROLES = ("data-scientist", "approver")

SETTLE_INTERVAL_SECONDS = 0.05


class ServerError(RuntimeError):
    """The server could not start (port taken, address not available)."""


class LocalServer:
    """Start with ``start()``; stop with ``stop()``. One per process."""

    def __init__(
        self,
        cdk_out: Path | None = Path("cdk.out"),
        *,
        port: int = 5000,
        region: str = embedded.DEFAULT_REGION,
        endpoint_delay_seconds: float = 0.0,
        delivery: DeliveryMode = "once",
        on_delivery: Callable[[Delivery], None] | None = None,
        concurrency: int = 1,
    ) -> None:
        self.cdk_out, self.port, self.region = cdk_out, port, region
        self.endpoint_delay_seconds, self.delivery = endpoint_delay_seconds, delivery
        self.on_delivery = on_delivery
        self.concurrency = concurrency
        self.credentials = ServerCredentials.generate()
        self.keys = KeyRing(self.credentials)
        self.credentials_file: Path | None = None  # written at start when the templates define humans
        self.aws: embedded.EmbeddedAWS | None = None
        self._server: Any = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._saved_environment: dict[str, str | None] = {}

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> embedded.EmbeddedAWS:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from modelops.local.execution_route import wsgi_route

        try:
            # Built here, not in the serving thread, so a taken port fails now with a clear error.
            self._server = make_server(
                "127.0.0.1",
                self.port,
                # The emulator-only route through which a local pipeline run records its steps.
                guarded(wsgi_route(DomainDispatcherApplication(create_backend_app)), self.keys),
                threaded=True,
                request_handler=MotoRequestHandler,
            )
        except (OSError, SystemExit) as exc:
            raise ServerError(f"cannot listen on 127.0.0.1:{self.port}: {exc}") from None
        self.port = self._server.server_address[1]  # port 0 asks the system for a free one
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()  # a fresh emulator, like the in-process one (and ``POST /moto-api/reset``)
        base_environment = {"AWS_ENDPOINT_URL": self.endpoint_url, **self.credentials.environment()}
        # Everything in this process that makes a client (handlers, the model server behind InvokeEndpoint)
        # must reach this emulator, never a real account.
        self._saved_environment = {
            key: os.environ.get(key) for key in (*base_environment, "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN")
        }
        os.environ.pop("AWS_SESSION_TOKEN", None)  # not part of the server's credentials
        os.environ.update({**base_environment, "AWS_DEFAULT_REGION": self.region})
        import boto3

        boto3.DEFAULT_SESSION = None  # it may hold credentials resolved before these
        self.aws = embedded.start(
            self.cdk_out,
            self.region,
            self.endpoint_delay_seconds,
            self.delivery,
            base_environment=base_environment,
            concurrency=self.concurrency,
            admin_keys={self.credentials.access_key_id: self.credentials.secret_access_key},
        )
        self.aws.endpoint_url = self.endpoint_url
        if self.aws.iam is not None:
            self.keys.issued = self.aws.iam.callers.secret_for
            self.credentials_file = self._write_profiles()
        self._threads = [
            threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True),
            threading.Thread(target=self._settle_forever, name="settle", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self.aws

    def _write_profiles(self) -> Path | None:
        """An AWS shared-credentials file with a profile per human role the templates define, readable by
        the user only (the keys are as good as the role)."""
        import tempfile

        assert self.aws is not None and self.aws.iam is not None
        humans = [r for r in HUMAN_ROLES if r in self.aws.iam.callers.principals.identities]
        if not humans:
            return None
        lines = []
        for role in humans:
            keys = self.aws.credentials(role)
            lines += [
                f"[{role}]",
                f"aws_access_key_id = {keys.access_key_id}",
                f"aws_secret_access_key = {keys.secret_access_key}",
                f"aws_session_token = {keys.session_token}",
                f"region = {self.region}",
                "",
            ]
        folder = Path(tempfile.mkdtemp(prefix="modelops-local-"))
        path = folder / "credentials"
        path.touch(mode=0o600)
        path.write_text("\n".join(lines))
        return path

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.aws is not None:
            embedded.stop(self.aws)
        if self.credentials_file is not None:
            import shutil

            shutil.rmtree(self.credentials_file.parent, ignore_errors=True)
        for key, value in self._saved_environment.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def _settle_forever(self) -> None:
        assert self.aws is not None
        while not self._stopping.wait(SETTLE_INTERVAL_SECONDS):
            try:
                self.aws.clock.tick()
                self.aws.tick_schedules()
                before = len(self.aws.dispatcher.deliveries)
                self.aws.dispatcher.dispatch_pending()
                if self.on_delivery is not None:
                    for delivery in self.aws.dispatcher.deliveries[before:]:
                        self.on_delivery(delivery)
            except Exception as exc:  # keep serving: one broken handler import must not stop the emulator
                print(f"modelops local: {type(exc).__name__}: {exc}", file=sys.stderr)
