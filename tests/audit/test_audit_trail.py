"""The audit trail on the embedded AWS, provisioned from the synthesized templates: every transition kept
with who made it, read back by ``modelops history`` / ``status --at``; and the tries to break it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from click.testing import CliRunner

from modelops.cli import main
from modelops.contract import lifecycle
from modelops.local import cloudtrail
from modelops.local.embedded import EmbeddedAWS
from modelops.registry.audit import LogDoesNotReachBack, read_log, served_at, transitions

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1"


@pytest.fixture
def embedded_aws_cdk_out(synthesized_cdk_out: Path) -> Path:
    return synthesized_cdk_out


def _register(aws: EmbeddedAWS) -> str:
    scientist = aws.client("sagemaker", role="data-scientist")
    return str(
        scientist.create_model_package(
            ModelPackageGroupName=aws.output("ModelPackageGroupName"),
            InferenceSpecification={
                "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://b/model.tar.gz"}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelApprovalStatus=lifecycle.PENDING,
        )["ModelPackageArn"]
    )


def _records(aws: EmbeddedAWS) -> list[Any]:
    records, _ = read_log(aws.client("logs", role="approver"), aws.output("AuditLogGroupName"))
    return records


def _settle(aws: EmbeddedAWS) -> None:
    aws.settle()


def test_each_transition_is_kept_with_who_made_it_and_why(embedded_aws: EmbeddedAWS) -> None:
    arn = _register(embedded_aws)
    embedded_aws.client("sagemaker", role="approver").update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.APPROVED, ApprovalDescription="looks good"
    )
    _settle(embedded_aws)
    rows = transitions(_records(embedded_aws), 1)
    oldest, approval = rows[-1], rows[-2]
    assert (oldest.approval_to, oldest.who, oldest.gap) == (lifecycle.PENDING, "data-scientist", False)
    assert (approval.approval_from, approval.approval_to) == (lifecycle.PENDING, lifecycle.APPROVED)
    assert (approval.who, approval.why) == ("approver", "looks good")
    # the staging deployer's own record follows (a later transition, newest first)
    assert rows[0].stage_to == f"{lifecycle.STAGE_STAGING}/{lifecycle.STATUS_DEPLOYING}"
    assert rows[0].who is not None and "DeployStagingFunction" in rows[0].who  # the Lambda, by its session


def test_a_transition_made_in_studio_names_the_user_profile(embedded_aws: EmbeddedAWS) -> None:
    import boto3

    arn = _register(embedded_aws)
    keys = cloudtrail.studio_keys(embedded_aws, "approver", "alice")
    studio = boto3.session.Session().client(
        "sagemaker",
        region_name=embedded_aws.region,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
    )
    studio.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="no"
    )
    _settle(embedded_aws)
    (rejected,) = [t for t in transitions(_records(embedded_aws), 1) if t.approval_to == lifecycle.REJECTED]
    assert rejected.who == "alice (Studio, approver)"


@pytest.mark.parametrize("role", ["data-scientist", "approver"])
def test_no_person_writes_or_deletes_the_audit_log(embedded_aws: EmbeddedAWS, role: str) -> None:
    logs = embedded_aws.client("logs", role=role)
    name = embedded_aws.output("AuditLogGroupName")
    attempts = [
        lambda: logs.create_log_stream(logGroupName=name, logStreamName="forged"),
        lambda: logs.put_log_events(
            logGroupName=name, logStreamName="forged", logEvents=[{"timestamp": 1, "message": "{}"}]
        ),
        lambda: logs.delete_log_group(logGroupName=name),
        lambda: logs.put_retention_policy(logGroupName=name, retentionInDays=1),
        lambda: embedded_aws.client("events", role=role).disable_rule(Name="modelops-audit-packages"),
    ]
    for attempt in attempts:
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            attempt()
        assert "AccessDenied" in refused.value.response["Error"]["Code"]
    assert name in [g["logGroupName"] for g in embedded_aws.client("logs").describe_log_groups()["logGroups"]]


def test_a_failing_audit_target_is_retried_dead_lettered_and_nothing_else_is_affected(
    embedded_aws: EmbeddedAWS,
) -> None:
    kms = embedded_aws.client("kms")
    key = embedded_aws.output("ArtifactKeyArn").rsplit("/", 1)[1]  # moto's DisableKey takes the key id
    kms.disable_key(KeyId=key)  # CloudWatch Logs can no longer encrypt new events
    arn = _register(embedded_aws)
    _settle(embedded_aws)  # EventBridge delivers (and retries) while the key is disabled
    kms.enable_key(KeyId=key)
    failed = [d for d in embedded_aws.dispatcher.dead_letters if ":logs:" in d.function]
    assert failed and all(d.attempts == 3 and "KMSInvalidState" in (d.error or "") for d in failed)
    queue = embedded_aws.output("AuditDeadLetterQueueUrl")
    messages = embedded_aws.client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == len(failed)
    # the registration itself happened, and later transitions are recorded again
    assert (
        embedded_aws.client("sagemaker").describe_model_package(ModelPackageName=arn)["ModelPackageArn"]
        == arn
    )
    embedded_aws.client("sagemaker", role="approver").update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="no"
    )
    _settle(embedded_aws)
    rows = transitions(_records(embedded_aws), 1)
    # the registration was never written: the first recorded change shows a gap before it
    assert rows[-1].gap and rows[-1].approval_from is None and rows[-1].approval_to == lifecycle.REJECTED


def test_status_at_a_moment_before_the_log_says_so(embedded_aws: EmbeddedAWS) -> None:
    _register(embedded_aws)
    _settle(embedded_aws)
    records = _records(embedded_aws)
    with pytest.raises(LogDoesNotReachBack, match="does not reach back"):
        served_at(records, ["modelops-production"], records[0].time - timedelta(days=1))
    (now,) = served_at(records, ["modelops-production"], datetime.now(UTC))
    assert now.package_arn is None  # nothing was ever deployed to production


@pytest.mark.parametrize("value", ["yesterday", "2999-01-01T00:00Z"])
def test_an_unparseable_or_future_time_is_one_line_and_exit_2(value: str) -> None:
    result = CliRunner().invoke(main, ["status", "--at", value])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


def test_history_cli_shows_each_transition_newest_first_as_table_and_json(embedded_aws: EmbeddedAWS) -> None:
    import json

    arn = _register(embedded_aws)
    embedded_aws.client("sagemaker", role="approver").update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription="too slow"
    )
    _settle(embedded_aws)
    runner = CliRunner()
    table = runner.invoke(main, ["history", "1"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert (
        "PendingManualApproval -> Rejected" in lines[1] and "approver" in lines[1] and "too slow" in lines[1]
    )
    rows = json.loads(runner.invoke(main, ["history", "--json"]).output)
    assert [(r["approval"]["from"], r["approval"]["to"]) for r in rows] == [
        (lifecycle.PENDING, lifecycle.REJECTED),
        (None, lifecycle.PENDING),
    ]
    later = runner.invoke(main, ["history", "--since", "2999-01-01T00:00Z"])
    assert later.exit_code == 2  # a future --since is refused like a future --at


def test_the_synthesized_people_policy_denies_every_audit_write(synthesized_cdk_out: Path) -> None:
    import fnmatch
    import json

    template = json.loads((synthesized_cdk_out / "modelops-registry.template.json").read_text())
    (policy,) = [
        r["Properties"]["PolicyDocument"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::IAM::ManagedPolicy" and "audit log" in r["Properties"].get("Description", "")
    ]
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    pseudo = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}

    def render(value: Any) -> str:  # the template's Fn::Join of pseudo parameters, as CloudFormation does
        if isinstance(value, dict) and "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(render(part) for part in parts)
        if isinstance(value, dict) and "Ref" in value:
            return pseudo[value["Ref"]]
        return str(value)

    deny["Resource"] = [render(r) for r in deny["Resource"]]
    log = "arn:aws:logs:us-east-1:123456789012:log-group:/modelops/audit/diabetes-progression"
    for action, resource in [
        ("logs:PutLogEvents", f"{log}:log-stream:forged"),
        ("logs:CreateLogStream", f"{log}:log-stream:forged"),
        ("logs:DeleteLogStream", f"{log}:log-stream:any"),
        ("logs:DeleteLogGroup", log),
        ("logs:PutRetentionPolicy", log),
        ("logs:DisassociateKmsKey", log),
        ("events:DisableRule", "arn:aws:events:us-east-1:123456789012:rule/modelops-audit-packages"),
        ("events:RemoveTargets", "arn:aws:events:us-east-1:123456789012:rule/modelops-audit-api-calls"),
    ]:
        assert any(fnmatch.fnmatchcase(action, a) for a in deny["Action"]), action
        assert any(fnmatch.fnmatchcase(resource, r) for r in deny["Resource"]), resource
    assert "Condition" not in deny  # unconditional: no request shape escapes it
    (read,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert not any(fnmatch.fnmatchcase(a, "logs:Put*") or a.startswith("logs:Delete") for a in read["Action"])


def test_the_emitted_cloudtrail_record_has_the_documented_fields(embedded_aws: EmbeddedAWS) -> None:
    import json

    documented = json.loads(
        (Path(__file__).parents[1] / "events" / "aws_doc_cloudtrail_create_endpoint.json").read_text()
    )
    _register(embedded_aws)
    _settle(embedded_aws)
    (call,) = [r.detail for r in _records(embedded_aws) if r.detail_type == "AWS API Call via CloudTrail"]
    assert set(documented) <= set(call)
    assert call["eventSource"] == documented["eventSource"]
    assert set(call["requestParameters"]) >= {
        "modelPackageGroupName",
        "modelApprovalStatus",
    }  # lower camel case
    assert call["responseElements"]["modelPackageArn"].endswith("/1")
    assert call["userIdentity"]["type"] == "AssumedRole"
    assert call["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"] == "data-scientist"
