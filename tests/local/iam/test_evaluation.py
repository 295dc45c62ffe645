"""The evaluator against the IAM User Guide's documented semantics (policy evaluation logic, condition
operators, multivalued keys, NotAction/NotResource, policy variables), one behaviour per test."""

from __future__ import annotations

from typing import Any

import pytest

from modelops.local.iam import Outcome, Policy, PolicyError, Principal, Request, evaluate

ACCOUNT = "111122223333"
ROLE = Principal(f"arn:aws:iam::{ACCOUNT}:role/analyst", ACCOUNT)
USER = Principal(f"arn:aws:iam::{ACCOUNT}:user/johndoe", ACCOUNT)
BUCKET = "arn:aws:s3:::amzn-s3-demo-bucket"


def policy(*statements: dict[str, Any], name: str = "identity", resource_based: bool = False) -> Policy:
    return Policy.from_document(
        name, {"Version": "2012-10-17", "Statement": list(statements)}, resource_based=resource_based
    )


def allow(action: Any = "s3:GetObject", resource: Any = f"{BUCKET}/*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decide(
    policies: list[Policy],
    action: str = "s3:GetObject",
    resource: str = f"{BUCKET}/a.txt",
    principal: Principal = ROLE,
    resource_policy: Policy | None = None,
    **context: Any,
) -> Outcome:
    return evaluate(Request(principal, action, resource, context), policies, resource_policy).outcome


def test_nothing_allows_so_the_request_is_implicitly_denied() -> None:
    assert decide([policy(allow(action="s3:PutObject"))]) is Outcome.IMPLICIT_DENY


def test_an_explicit_deny_beats_an_allow_and_names_the_statement() -> None:
    deny = {"Sid": "NoReads", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}
    decision = evaluate(
        Request(ROLE, "s3:GetObject", f"{BUCKET}/a"), [policy(allow()), policy(deny, name="guard")]
    )
    assert decision.outcome is Outcome.EXPLICIT_DENY
    assert decision.statement is not None and decision.statement.sid == "NoReads"
    assert "explicit deny in an identity-based policy (statement 'NoReads' of guard)" in decision.explain()


def test_action_names_are_case_insensitive_and_take_wildcards() -> None:
    assert decide([policy(allow(action="S3:get*"))], action="s3:GetObject") is Outcome.ALLOW
    assert decide([policy(allow(action="s3:Get?bject"))], action="s3:GetObject") is Outcome.ALLOW
    assert decide([policy(allow(action="s3:Get?"))], action="s3:GetObject") is Outcome.IMPLICIT_DENY


def test_resource_arns_are_case_sensitive() -> None:
    assert (
        decide([policy(allow(resource=f"{BUCKET}/A.txt"))], resource=f"{BUCKET}/a.txt")
        is Outcome.IMPLICIT_DENY
    )


def test_not_action_allows_everything_but_the_listed_actions_on_the_resource() -> None:
    statement = {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}
    assert decide([policy(statement)], action="s3:GetObject") is Outcome.ALLOW
    assert decide([policy(statement)], action="s3:DeleteBucket", resource=BUCKET) is Outcome.IMPLICIT_DENY
    # NotAction with a Resource scope: an IAM action is not on an S3 resource, so it is not allowed.
    assert (
        decide([policy(statement)], action="iam:CreateUser", resource=f"arn:aws:iam::{ACCOUNT}:user/x")
        is Outcome.IMPLICIT_DENY
    )


def test_not_resource_deny_refuses_every_other_resource() -> None:
    deny = {"Effect": "Deny", "Action": "s3:*", "NotResource": [f"{BUCKET}/Payroll", f"{BUCKET}/Payroll/*"]}
    policies = [policy(allow(action="s3:*", resource="*"), deny)]
    assert decide(policies, resource=f"{BUCKET}/Payroll/june.csv") is Outcome.ALLOW
    assert decide(policies, resource=f"{BUCKET}/Other/june.csv") is Outcome.EXPLICIT_DENY


def test_if_exists_is_true_when_the_key_is_absent_and_tests_the_value_when_present() -> None:
    statement = allow(Condition={"StringEqualsIfExists": {"s3:x-amz-storage-class": "STANDARD"}})
    assert decide([policy(statement)]) is Outcome.ALLOW
    assert decide([policy(statement)], **{"s3:x-amz-storage-class": "STANDARD"}) is Outcome.ALLOW
    assert decide([policy(statement)], **{"s3:x-amz-storage-class": "GLACIER"}) is Outcome.IMPLICIT_DENY


def test_an_absent_key_fails_a_positive_operator_and_passes_a_negated_one() -> None:
    positive = allow(Condition={"StringEquals": {"aws:PrincipalTag/team": "ml"}})
    negated = allow(Condition={"StringNotEquals": {"aws:PrincipalTag/team": "ml"}})
    assert decide([policy(positive)]) is Outcome.IMPLICIT_DENY
    assert decide([policy(negated)]) is Outcome.ALLOW


def test_condition_key_names_are_case_insensitive_values_are_not_for_string_equals() -> None:
    statement = allow(Condition={"StringEquals": {"AWS:UserName": "johndoe"}})
    assert decide([policy(statement)], principal=USER) is Outcome.ALLOW
    shouting = allow(Condition={"StringEquals": {"AWS:UserName": "JohnDoe"}})
    assert decide([policy(shouting)], principal=USER) is Outcome.IMPLICIT_DENY
    ignoring_case = allow(Condition={"StringEqualsIgnoreCase": {"AWS:UserName": "JohnDoe"}})
    assert decide([policy(ignoring_case)], principal=USER) is Outcome.ALLOW


def test_for_all_values_is_true_for_an_absent_or_empty_key_for_any_value_is_false() -> None:
    all_values = allow(Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "cost"]}})
    any_value = allow(Condition={"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "cost"]}})
    assert decide([policy(all_values)]) is Outcome.ALLOW
    assert decide([policy(all_values)], **{"aws:TagKeys": []}) is Outcome.ALLOW
    assert decide([policy(all_values)], **{"aws:TagKeys": ["team", "owner"]}) is Outcome.IMPLICIT_DENY
    assert decide([policy(any_value)]) is Outcome.IMPLICIT_DENY
    assert decide([policy(any_value)], **{"aws:TagKeys": ["team", "owner"]}) is Outcome.ALLOW


def test_for_all_values_with_null_false_refuses_the_missing_key() -> None:
    statement = allow(
        Condition={"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}, "Null": {"aws:TagKeys": "false"}}
    )
    assert decide([policy(statement)]) is Outcome.IMPLICIT_DENY
    assert decide([policy(statement)], **{"aws:TagKeys": ["team"]}) is Outcome.ALLOW


def test_null_tests_presence() -> None:
    absent = allow(Condition={"Null": {"sagemaker:ModelApprovalStatus": "true"}})
    assert decide([policy(absent)]) is Outcome.ALLOW
    assert decide([policy(absent)], **{"sagemaker:ModelApprovalStatus": "Approved"}) is Outcome.IMPLICIT_DENY


def test_string_like_wildcards_span_slashes_and_match_case_sensitively() -> None:
    statement = allow(Condition={"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}})
    assert decide([policy(statement)], principal=USER, **{"s3:prefix": "home/johndoe/a/b"}) is Outcome.ALLOW
    assert (
        decide([policy(statement)], principal=USER, **{"s3:prefix": "home/JohnDoe/a"})
        is Outcome.IMPLICIT_DENY
    )
    question = allow(Condition={"StringLike": {"s3:prefix": "v?"}})
    assert decide([policy(question)], **{"s3:prefix": "v1"}) is Outcome.ALLOW
    assert decide([policy(question)], **{"s3:prefix": "v10"}) is Outcome.IMPLICIT_DENY


def test_policy_variables_in_resources_and_their_escapes_and_defaults() -> None:
    own = allow(resource=f"{BUCKET}/home/${{aws:username}}/*")
    assert decide([policy(own)], principal=USER, resource=f"{BUCKET}/home/johndoe/x") is Outcome.ALLOW
    assert decide([policy(own)], principal=USER, resource=f"{BUCKET}/home/jane/x") is Outcome.IMPLICIT_DENY
    assert (
        decide([policy(own)], principal=ROLE, resource=f"{BUCKET}/home/johndoe/x") is Outcome.IMPLICIT_DENY
    )  # a role has no aws:username
    literal = allow(resource=f"{BUCKET}/star${{*}}")
    assert decide([policy(literal)], resource=f"{BUCKET}/star*") is Outcome.ALLOW
    assert decide([policy(literal)], resource=f"{BUCKET}/starry") is Outcome.IMPLICIT_DENY
    default = allow(resource=f"{BUCKET}/${{aws:PrincipalTag/team, 'shared'}}/*")
    assert decide([policy(default)], resource=f"{BUCKET}/shared/x") is Outcome.ALLOW


def test_bool_numeric_date_arn_and_ip_operators() -> None:
    tls = {
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": False}},
    }
    assert decide([policy(allow(), tls)], **{"aws:SecureTransport": "false"}) is Outcome.EXPLICIT_DENY
    assert decide([policy(allow(), tls)], **{"aws:SecureTransport": "true"}) is Outcome.ALLOW
    small = allow(Condition={"NumericLessThanEquals": {"s3:max-keys": "10"}})
    assert decide([policy(small)], **{"s3:max-keys": "10"}) is Outcome.ALLOW
    assert decide([policy(small)], **{"s3:max-keys": "11"}) is Outcome.IMPLICIT_DENY
    before = allow(Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}})
    assert decide([policy(before)], **{"aws:CurrentTime": "2029-12-31T23:59:59Z"}) is Outcome.ALLOW
    assert decide([policy(before)], **{"aws:EpochTime": "1"}) is Outcome.IMPLICIT_DENY
    source = allow(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:events:*:111122223333:rule/deploy-*"}})
    assert (
        decide([policy(source)], **{"aws:SourceArn": "arn:aws:events:us-east-1:111122223333:rule/deploy-a"})
        is Outcome.ALLOW
    )
    assert (
        decide([policy(source)], **{"aws:SourceArn": "arn:aws:events:us-east-1:999999999999:rule/deploy-a"})
        is Outcome.IMPLICIT_DENY
    )
    office = allow(Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})
    assert decide([policy(office)], **{"aws:SourceIp": "203.0.113.7"}) is Outcome.ALLOW
    assert decide([policy(office)], **{"aws:SourceIp": "198.51.100.7"}) is Outcome.IMPLICIT_DENY


def test_values_of_one_key_are_ored_keys_and_operators_are_anded() -> None:
    statement = allow(
        Condition={
            "StringEquals": {"s3:prefix": ["a", "b"], "s3:delimiter": "/"},
            "Bool": {"aws:SecureTransport": "true"},
        }
    )
    ok = {"s3:prefix": "b", "s3:delimiter": "/", "aws:SecureTransport": "true"}
    assert decide([policy(statement)], **ok) is Outcome.ALLOW
    assert decide([policy(statement)], **{**ok, "s3:delimiter": "-"}) is Outcome.IMPLICIT_DENY
    assert decide([policy(statement)], **{**ok, "aws:SecureTransport": "false"}) is Outcome.IMPLICIT_DENY


def test_a_resource_policy_allows_a_same_account_role_without_an_identity_allow() -> None:
    bucket_policy = policy({**allow(), "Principal": {"AWS": ROLE.arn}}, name="bucket", resource_based=True)
    decision = evaluate(Request(ROLE, "s3:GetObject", f"{BUCKET}/a"), [], bucket_policy)
    assert decision.allowed and decision.where == "resource-based policy"


def test_an_account_principal_delegates_and_grants_nothing_by_itself() -> None:
    delegating = policy(
        {**allow(), "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}, resource_based=True
    )
    assert decide([], resource_policy=delegating) is Outcome.IMPLICIT_DENY
    assert decide([policy(allow())], resource_policy=delegating) is Outcome.ALLOW


def test_a_kms_key_policy_must_allow_or_delegate_before_an_identity_allow_counts() -> None:
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234"
    identity = [policy(allow(action="kms:Decrypt", resource=key))]
    no_delegation = policy(
        {
            "Effect": "Allow",
            "Action": "kms:*",
            "Resource": "*",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
        },
        resource_based=True,
    )
    delegation = policy(
        {
            "Effect": "Allow",
            "Action": "kms:*",
            "Resource": "*",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        },
        resource_based=True,
    )
    request = Request(ROLE, "kms:Decrypt", key)
    assert not evaluate(request, identity, no_delegation, resource_policy_required=True).allowed
    assert evaluate(request, identity, delegation, resource_policy_required=True).allowed


def test_a_service_principal_is_allowed_only_by_a_resource_policy() -> None:
    events = Principal.for_service("events.amazonaws.com", ACCOUNT)
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"
    rule = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r"
    queue_policy = policy(
        {
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": queue,
            "Principal": {"Service": "events.amazonaws.com"},
            "Condition": {"ArnEquals": {"aws:SourceArn": rule}},
        },
        resource_based=True,
    )
    assert (
        decide([], "sqs:SendMessage", queue, events, queue_policy, **{"aws:SourceArn": rule}) is Outcome.ALLOW
    )
    assert (
        decide([], "sqs:SendMessage", queue, events, queue_policy, **{"aws:SourceArn": rule + "x"})
        is Outcome.IMPLICIT_DENY
    )
    assert (
        decide([policy(allow(action="sqs:*", resource="*"))], "sqs:SendMessage", queue, events)
        is Outcome.IMPLICIT_DENY
    )


def test_a_resource_policy_deny_for_everyone_refuses_an_identity_allow() -> None:
    tls = policy(
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "Resource": f"{BUCKET}/*",
            "Principal": {"AWS": "*"},
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        resource_based=True,
    )
    decision = evaluate(
        Request(ROLE, "s3:GetObject", f"{BUCKET}/a", {"aws:SecureTransport": "false"}), [policy(allow())], tls
    )
    assert decision.outcome is Outcome.EXPLICIT_DENY and decision.where == "resource-based policy"


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Permit", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Allow", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": {"Fn::GetAtt": ["Bucket", "Arn"]}},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringSortOf": {"k": "v"}}},
    ],
)
def test_a_malformed_or_unresolved_statement_is_an_error_not_a_decision(statement: dict[str, Any]) -> None:
    with pytest.raises(PolicyError):
        decide([policy(statement)])
