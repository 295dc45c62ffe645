"""A refused call answered as the service answers it: its own error code, status and wire format, with the
message IAM writes.

The message follows "Troubleshoot access denied error messages" in the IAM User Guide
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html): ``User: <caller> is not
authorized to perform: <action> on resource: <arn> because no identity-based policy allows the <action>
action`` (or ``... with an explicit deny in an identity-based policy`` / ``resource-based policy``). The
caller of a role session is its ``arn:aws:sts::<account>:assumed-role/<role>/<session>``.

The codes are each service's documented one:
- JSON services (SageMaker, SageMaker Runtime, EventBridge, KMS, Lambda, CloudWatch Logs):
  ``AccessDeniedException`` (SageMaker's "Common Errors": HTTP 400; Lambda's API reference lists it as 403);
- SNS: ``AuthorizationError``, 403 (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html, Errors);
- S3: ``AccessDenied``, 403, as S3's REST error XML (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html);
- other query-protocol services (STS, CloudFormation, SQS, CloudWatch): ``AccessDenied``, 403.
"""

from __future__ import annotations

import json
import secrets
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from modelops.local.iam.evaluate import Decision, Outcome

_JSON_STATUS = {"lambda": 403}
_CODES = {"sns": "AuthorizationError", "s3": "AccessDenied"}


def message(decision: Decision, caller_arn: str) -> str:
    r = decision.request
    head = f"User: {caller_arn} is not authorized to perform: {r.action} on resource: {r.resource}"
    if decision.outcome is Outcome.EXPLICIT_DENY:
        where = decision.where
        return f"{head} with an explicit deny in {'an' if where[0] in 'aeiou' else 'a'} {where}"
    return f"{head} because no {decision.where} allows the {r.action} action"


class AccessDenied(HTTPException):
    """Raised inside moto's request handling: moto answers with this body, status and content type."""

    def __init__(self, service: str, protocol: str, text: str) -> None:
        super().__init__(description=text)
        self.service, self.text = service, text
        request_id = secrets.token_hex(8).upper()
        if protocol in ("json", "rest-json") or protocol.startswith("smithy"):
            code = "AccessDeniedException" if service not in ("sqs",) else "AccessDenied"
            self.code = _JSON_STATUS.get(service, 400 if code == "AccessDeniedException" else 403)
            self.content_type = "application/x-amz-json-1.1"
            self.body = json.dumps({"__type": code, "message": text, "Message": text})
            self.headers = [("x-amzn-ErrorType", code), ("x-amzn-RequestId", request_id)]
        elif protocol == "rest-xml":
            code, self.code, self.content_type = "AccessDenied", 403, "application/xml"
            self.body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f"<Error><Code>{code}</Code><Message>{escape(text)}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>"
            )
            self.headers = [("x-amz-request-id", request_id)]
        else:
            code, self.code, self.content_type = _CODES.get(service, "AccessDenied"), 403, "text/xml"
            self.body = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                f"<Message>{escape(text)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            )
            self.headers = [("x-amzn-RequestId", request_id)]
        self.error_code = code
        self.description = self.body

    def get_headers(self, *_: Any, **__: Any) -> list[tuple[str, str]]:
        return [("Content-Type", self.content_type), *self.headers]

    def get_body(self, *_: Any, **__: Any) -> str:
        return self.body
