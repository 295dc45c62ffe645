"""The local server is not an open door: only clients holding the credentials it generated get in.

Creating an endpoint runs the model archive's serving code in the server's process, so whoever can call
the server can run code as the user who started it. A web page can reach 127.0.0.1 from the browser;
it cannot read the credentials the server printed, and (without CORS) cannot read answers either. So:

* every request must carry an AWS Signature Version 4 ``Authorization`` header made with the access key
  and secret generated at start (the administrator's) or with keys the embedded AWS issued (a role
  session: the human roles' profiles, the handlers' execution roles, an ``sts:AssumeRole`` it allowed) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html).
  The signature is recomputed with botocore's own signer from the request as received (method, raw path,
  query, the headers it names as signed, the payload hash) and compared in constant time; a
  ``X-Amz-Date`` more than 15 minutes off is refused, as AWS refuses it ("Signature expired");
* moto's control routes (``/moto-api/...``: reset the state, switch its authentication off, seed results)
  are closed: the embedded AWS never needs them from outside;
* no CORS: preflights are refused and no ``Access-Control-Allow-*`` header leaves the server, so a
  foreign origin's script gets no answer it may read.

The project's own route (``/modelops-api/...``) is behind the same check, signed by its client.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CLOSED_PREFIXES = ("/moto-api",)
_MAX_SKEW = timedelta(minutes=15)
_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<headers>[a-z0-9;.-]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_CORS_HEADERS = ("access-control-allow-", "access-control-expose-headers", "access-control-max-age")


@dataclass(frozen=True)
class ServerCredentials:
    """The one key pair the server accepts, made when it starts."""

    access_key_id: str
    secret_access_key: str

    @classmethod
    def generate(cls) -> ServerCredentials:
        return cls("AKIALOCAL" + secrets.token_hex(6).upper(), secrets.token_urlsafe(30))

    def environment(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}

    def secret_for(self, access_key: str) -> str | None:
        return self.secret_access_key if access_key == self.access_key_id else None


class KeyRing:
    """The keys the server accepts: its own pair, and those of sessions the embedded AWS issued (looked up
    once it runs, through ``issued``)."""

    def __init__(self, own: ServerCredentials) -> None:
        self.own = own
        self.issued: Callable[[str], str | None] = lambda _key: None

    def secret_for(self, access_key: str) -> str | None:
        return self.own.secret_for(access_key) or self.issued(access_key)


class Refused(Exception):
    """The request is not signed with the server's credentials (the message says why)."""


def guarded(app: Callable[..., Any], credentials: ServerCredentials | KeyRing) -> Callable[..., Any]:
    """Wrap the server's WSGI application: closed routes, no CORS, signatures checked on everything else."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(CLOSED_PREFIXES):
            return _refuse(start_response, "404 Not Found", "NotFound", f"{path} is closed on this server")
        if environ.get("REQUEST_METHOD") == "OPTIONS":
            return _refuse(start_response, "403 Forbidden", "AccessDenied", "CORS is not served here")
        body = _read_body(environ)
        try:
            check_signature(environ, body, credentials)
        except Refused as refused:
            return _refuse(start_response, "403 Forbidden", "InvalidSignatureException", str(refused))
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))

        def without_cors(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith(_CORS_HEADERS)]
            return start_response(status, kept, *rest)

        return app(environ, without_cors)

    return application


def check_signature(environ: dict[str, Any], body: bytes, credentials: ServerCredentials | KeyRing) -> None:
    """Raise Refused unless the request was signed (SigV4, header form) with keys ``credentials`` holds."""
    match = _AUTHORIZATION.match(str(environ.get("HTTP_AUTHORIZATION", "")))
    if match is None:
        if "X-Amz-Signature=" in str(environ.get("QUERY_STRING", "")):
            raise Refused("presigned URLs are not accepted by the local server; sign the request's headers")
        raise Refused(
            "the request is not signed (AWS Signature Version 4); use the credentials `local up` printed"
        )
    secret = credentials.secret_for(match["key"])
    if secret is None:
        raise Refused(
            f"access key {match['key']} is not this server's; use the credentials `local up` printed"
        )
    timestamp = str(environ.get("HTTP_X_AMZ_DATE", ""))
    try:
        signed_at = datetime.strptime(timestamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise Refused("X-Amz-Date is missing or malformed") from None
    if abs(datetime.now(UTC) - signed_at) > _MAX_SKEW or not timestamp.startswith(match["date"]):
        raise Refused("Signature expired: X-Amz-Date is more than 15 minutes from the server's time")
    signed = match["headers"].split(";")
    headers = {name: _header(environ, name) for name in signed}
    if "host" not in headers or any(value is None for value in headers.values()):
        raise Refused("a header named in SignedHeaders is missing")
    raw = str(environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/"))
    path = raw.split("?", 1)[0]
    query = str(environ.get("QUERY_STRING", ""))
    url = f"http://{headers['host']}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")), url=url, data=body, headers=headers
    )
    request.context["timestamp"] = timestamp
    signer_class = S3SigV4Auth if match["service"] == "s3" else SigV4Auth
    signer = signer_class(
        Credentials(match["key"], secret),
        match["service"],
        match["region"],
    )
    canonical = signer.canonical_request(request)
    if signer.signed_headers(signer.headers_to_sign(request)) != match["headers"]:
        raise Refused("SignedHeaders do not match the request's headers")
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise Refused(
            "SignatureDoesNotMatch: the signature does not match the request and this server's secret"
        )
    _check_payload(match["service"], headers.get("x-amz-content-sha256"), body)


def _check_payload(service: str, declared: str | None, body: bytes) -> None:
    """A declared payload hash must be the body's, or the body could be swapped after signing.

    Leaving the payload out of the signature (``UNSIGNED-PAYLOAD``, ``STREAMING-*``) is an Amazon S3 option
    (S3 API reference, "Authenticating Requests: Using the Authorization Header"; the IAM user guide's
    "Create a signed AWS API request" hashes the payload for every other service). botocore's signer honours
    the header for any service, so without this check a SageMaker request could be signed once and its
    body replaced.
    """
    if declared is None:
        return
    if not re.fullmatch(r"[0-9a-f]{64}", declared):
        if service == "s3":
            return  # S3's unsigned or streaming payload: the client chose not to sign the body
        raise Refused(f"x-amz-content-sha256 {declared!r} is an Amazon S3 option; sign the {service} payload")
    if hashlib.sha256(body).hexdigest() != declared:
        raise Refused("x-amz-content-sha256 does not match the request body")


def _header(environ: dict[str, Any], name: str) -> str | None:
    key = name.upper().replace("-", "_")
    value = environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}")
    return None if value is None else str(value)


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        return bytes(stream.read(int(length)))
    if environ.get("wsgi.input_terminated"):
        return bytes(stream.read())
    return b""


def _refuse(start_response: Callable[..., Any], status: str, code: str, message: str) -> list[bytes]:
    body = (
        f"<ErrorResponse><Error><Code>{code}</Code><Message>{_escape(message)}</Message></Error></ErrorResponse>"
    ).encode()
    start_response(status, [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
