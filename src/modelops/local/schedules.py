"""EventBridge schedules, played locally: a rule with a ScheduleExpression fires its Lambda targets with a
"Scheduled Event" every period, on the same clock as the endpoint transitions (``time.monotonic``).

EventBridge User Guide, "Creating a rule that runs on a schedule" and "Schedule expressions for rules": a rate
expression is ``rate(value unit)``, unit ``minute``/``minutes``, ``hour``/``hours``, ``day``/``days``, and the
rate starts when the rule is created; the event is ``{"source": "aws.events", "detail-type": "Scheduled
Event", "resources": [<rule ARN>], "detail": {}, ...}`` (the example in "Amazon EventBridge events"). Cron
expressions are not played: such a rule is reported by ``unsupported`` and never fires locally.

Schedules never count as pending work: ``EmbeddedAWS.settle`` fires those that fell due, and does not wait for
the next one. ``fire_all`` fires each once now, as if its period had passed (tests, the demo).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from modelops.local.events import Event
from modelops.local.lock import LOCK
from modelops.local.provision import Rule

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def period_seconds(expression: str) -> float | None:
    """The period of a rate expression; None for a cron expression or anything else."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    value, unit = int(match.group(1)), match.group(2).rstrip("s")
    # "rate(1 minutes)" and "rate(5 minute)" are refused by EventBridge: singular only for a value of 1.
    if (value == 1) != (match.group(2) == unit) or value < 1:
        return None
    return float(value * _UNIT_SECONDS[unit])


@dataclass
class _Schedule:
    rule: Rule
    period: float
    next_due: float


class Schedules:
    """The scheduled rules of the provisioned templates and when each fires next."""

    def __init__(self, rules: list[Rule], *, region: str, account: str) -> None:
        self.region, self.account = region, account
        now = time.monotonic()
        self._schedules: list[_Schedule] = []
        self.unsupported: list[str] = []
        for rule in rules:
            period = period_seconds(rule.schedule or "")
            if period is None:
                self.unsupported.append(f"{rule.name}: {rule.schedule} (only rate expressions fire locally)")
                continue
            self._schedules.append(_Schedule(rule, period, now + period))

    @property
    def rules(self) -> list[Rule]:
        return [s.rule for s in self._schedules]

    def due(self) -> list[tuple[Rule, Event]]:
        """The events of every schedule whose time came (once each, however many periods passed)."""
        now = time.monotonic()
        fired = []
        with LOCK:
            for schedule in self._schedules:
                if schedule.next_due <= now:
                    while schedule.next_due <= now:
                        schedule.next_due += schedule.period
                    fired.append((schedule.rule, self.event_for(schedule.rule)))
        return fired

    def fire_all(self) -> list[tuple[Rule, Event]]:
        """One event of every schedule now, as if each period had passed; the next firing a period later."""
        now = time.monotonic()
        with LOCK:
            for schedule in self._schedules:
                schedule.next_due = now + schedule.period
            return [(s.rule, self.event_for(s.rule)) for s in self._schedules]

    def event_for(self, rule: Rule) -> Event:
        return {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": self.account,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [rule.arn],
            "detail": {},
        }
