"""Scheduled rules on the embedded AWS: rate expressions as EventBridge documents them, the Scheduled Event's
shape, firing once per elapsed period and never before it, and a cron rule reported rather than played."""

from __future__ import annotations

import time

import pytest

from modelops.local import schedules as sched
from modelops.local.provision import Rule


def _rule(expression: str, name: str = "evaluate") -> Rule:
    return Rule(
        stack="s",
        logical_id=name,
        name=name,
        arn=f"arn:aws:events:us-east-1:123456789012:rule/{name}",
        pattern={},
        function_arns=("arn:aws:lambda:us-east-1:123456789012:function:f",),
        schedule=expression,
    )


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("rate(1 day)", 86400)],
)
def test_rate_expressions_have_their_documented_periods(expression: str, seconds: float) -> None:
    assert sched.period_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression", ["rate(5 minute)", "rate(1 minutes)", "rate(0 minutes)", "cron(0 12 * * ? *)", "every 5m"]
)
def test_expressions_eventbridge_refuses_or_cron_are_not_played(expression: str) -> None:
    assert sched.period_seconds(expression) is None


def test_a_cron_rule_is_reported_unsupported_and_never_fires() -> None:
    schedules = sched.Schedules([_rule("cron(0 12 * * ? *)")], region="us-east-1", account="123456789012")
    assert schedules.rules == []
    assert "cron(0 12 * * ? *)" in schedules.unsupported[0]
    assert schedules.fire_all() == []


def test_nothing_fires_before_the_first_period_has_passed() -> None:
    schedules = sched.Schedules([_rule("rate(5 minutes)")], region="us-east-1", account="123456789012")
    assert schedules.due() == []


def test_fire_all_sends_the_documented_scheduled_event_once_per_rule() -> None:
    rule = _rule("rate(5 minutes)")
    schedules = sched.Schedules([rule], region="us-east-1", account="123456789012")
    fired = schedules.fire_all()
    assert [r for r, _ in fired] == [rule]
    event = fired[0][1]
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [rule.arn]
    assert event["detail"] == {}
    assert schedules.due() == []  # the next firing is a period after this one


def test_a_schedule_that_fell_behind_fires_once_not_once_per_missed_period() -> None:
    schedules = sched.Schedules([_rule("rate(1 minute)")], region="us-east-1", account="123456789012")
    schedules._schedules[0].next_due = time.monotonic() - 600  # ten periods late
    assert len(schedules.due()) == 1
    assert schedules.due() == []
