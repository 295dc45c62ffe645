"""The "AWS API Call via CloudTrail" events of the calls the embedded AWS serves, with who made each one.

CloudTrail records every SageMaker management call and, with a trail logging management events, hands each
record to EventBridge's default bus with ``detail-type`` "AWS API Call via CloudTrail" and the CloudTrail
record as ``detail`` ("Events from AWS services" and "AWS service events delivered via AWS CloudTrail",
EventBridge User Guide). The record's fields follow "CloudTrail record contents for management events" and
"CloudTrail userIdentity element" (CloudTrail User Guide); request members are written in lower camel case,
as "Understand SageMaker AI log file entries" (SageMaker Developer Guide) shows them
(``tests/events/aws_doc_cloudtrail_create_endpoint.json``, its documented example).

The caller is the one IAM enforcement decided the request for: an assumed-role session (a person's role, a
deployer Lambda's execution role) or the account's root. A session Studio opens carries the user profile's name
as its source identity when the domain sets ``ExecutionRoleIdentityConfig`` to ``USER_PROFILE_NAME``
("DomainSettings", SageMaker API reference); :func:`studio_keys` issues such a session, and the record names
it in ``userIdentity.sessionContext.sourceIdentity`` as CloudTrail does. Without enforcement the embedded AWS
knows no caller and emits no record (in AWS, every call has one).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from modelops.contract.events import API_CALL, CLOUDTRAIL_EVENT_SOURCE
from modelops.local.lock import LOCK

EVENT_VERSION = "1.09"
_source_identities: dict[str, str] = {}  # access key -> the Studio user profile its session acts for


def studio_keys(aws: Any, role: str, user_profile: str) -> Any:
    """Keys of a session of ``role`` as Studio opens it for ``user_profile`` (its source identity)."""
    keys = aws.iam.callers.issue_for(role, f"SageMaker-{user_profile}")
    with LOCK:
        _source_identities[keys.access_key_id] = user_profile
    return keys


def forget_sessions() -> None:
    with LOCK:
        _source_identities.clear()


def lower_camel(value: Any) -> Any:
    """SageMaker's request members as CloudTrail writes them: ``ModelPackageArn`` -> ``modelPackageArn``."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: lower_camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lower_camel(item) for item in value]
    return value


def user_identity(caller: Any, access_key: str, account: str) -> dict[str, Any]:
    """The ``userIdentity`` element for ``caller`` (``modelops.local.iam.enforcement.callers.Caller``)."""
    arn = caller.session_arn
    if arn.endswith(":root"):
        return {
            "type": "Root",
            "principalId": account,
            "arn": arn,
            "accountId": account,
            "accessKeyId": access_key,
        }
    role_name, session = arn.split(":assumed-role/", 1)[1].split("/", 1)
    role_arn = caller.identity.principal.arn
    role_id = _role_id(role_arn, account)
    context: dict[str, Any] = {
        "sessionIssuer": {
            "type": "Role",
            "principalId": role_id,
            "arn": role_arn,
            "accountId": account,
            "userName": role_name,
        },
        "attributes": {"creationDate": _now(), "mfaAuthenticated": "false"},
    }
    with LOCK:
        source = _source_identities.get(access_key)
    if source is not None:
        context["sourceIdentity"] = source
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": arn,
        "accountId": account,
        "accessKeyId": access_key,
        "sessionContext": context,
    }


def record(
    operation: str,
    params: dict[str, Any],
    response: dict[str, Any] | None,
    error: tuple[str, str] | None,
    identity: dict[str, Any],
    account: str,
    region: str,
) -> dict[str, Any]:
    """The CloudTrail record of one call (``error``: the error code and message it was answered with)."""
    detail: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": identity,
        "eventTime": _now(),
        "eventSource": CLOUDTRAIL_EVENT_SOURCE,
        "eventName": operation,
        "awsRegion": region,
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "modelops-embedded-aws",
        "requestParameters": lower_camel(params),
        "responseElements": None if error or not response else lower_camel(response),
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if error is not None:
        detail["errorCode"], detail["errorMessage"] = error
    return detail


def emit(detail: dict[str, Any], account: str, region: str) -> None:
    from modelops.local import events

    events.emit(API_CALL, account, region, [], detail)


def _role_id(role_arn: str, account: str) -> str:
    """A stable stand-in for the role's unique ID (AROA...): the embedded AWS creates no IAM roles in moto
    (``provision``), so there is no ID IAM assigned; the role's name makes the same one every run."""
    return "AROA" + uuid.uuid5(uuid.NAMESPACE_URL, f"{account}/{role_arn}").hex[:17].upper()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
