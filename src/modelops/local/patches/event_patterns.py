"""The ``event_patterns`` patch: EventBridge's TestEventPattern, which moto 5.2.5 leaves as a stub, and
PutRule's check of its pattern.

As the EventBridge API reference documents TestEventPattern: it "tests whether the specified event pattern
matches the provided event", and the event must carry the mandatory envelope fields. Filled with moto's own
pattern matcher, the one the dispatcher and the default bus use, so a pattern can be checked against a
documented event (``tests/events/``) through the API exactly as against AWS.

Bad input, answered with HTTP 400 as the reference's errors are: a pattern that is not JSON, not a JSON object,
or breaks the pattern rules is ``InvalidEventPatternException`` ("the event pattern is not valid", the error the
reference lists); an event that is not a JSON object or lacks one of the fields the reference calls mandatory
("id, account, source, time, region, resources, detail-type") is ``ValidationException`` (Common Errors: "the
input fails to satisfy the constraints specified by an AWS service"), because the reference names no error of
its own for a bad event; a request without EventPattern or Event is ``ValidationException`` too (both members
are required).

PutRule lists ``InvalidEventPatternException`` among its errors (EventBridge API reference, PutRule, Errors):
a rule's pattern goes through the same check before moto stores it, where a pattern that is not a JSON object
was an HTTP 500.
"""

from __future__ import annotations

import json
from typing import Any, cast

from moto.events.exceptions import InvalidEventPatternException, ValidationException
from moto.events.models import EventPattern, EventsBackend
from moto.events.responses import EventsHandler

from modelops.local.patches.patch import Patch, PatchGroup

# The fields TestEventPattern's reference calls mandatory in the event, in its order.
_REQUIRED = ("id", "account", "source", "time", "region", "resources", "detail-type")


def test_event_pattern(pattern: Any, event: Any) -> bool:
    """Whether ``event`` (JSON) matches ``pattern`` (JSON); raises as EventBridge does on bad input."""
    for name, value in (("EventPattern", pattern), ("Event", event)):
        if not isinstance(value, str):
            raise ValidationException(
                f"1 validation error detected: Value null at '{name[0].lower()}{name[1:]}' failed to satisfy "
                "constraint: Member must not be null"
                if value is None
                else f"Parameter {name} is not valid. Reason: it must be a string."
            )
    matcher = load_pattern(pattern)  # the pattern first: its error is the one the reference names
    try:
        parsed: Any = json.loads(event)
    except ValueError:
        raise ValidationException("Parameter Event is not valid. Reason: Event is not valid JSON.") from None
    if not isinstance(parsed, dict):
        raise ValidationException("Parameter Event is not valid. Reason: Event must be a JSON object.")
    missing = [field for field in _REQUIRED if field not in parsed]
    if missing:
        raise ValidationException(
            f"Parameter Event is not valid. Reason: missing field(s) {', '.join(missing)}."
        )
    return bool(matcher.matches_event(cast(Any, parsed)))


def load_pattern(pattern: str) -> EventPattern:
    """moto's matcher for ``pattern``, or InvalidEventPatternException for anything but a valid JSON object.

    moto's parser walks the pattern as a dict: a JSON array, number or string crashed it (an HTTP 500).
    """
    try:
        parsed = json.loads(pattern)
    except ValueError:
        raise InvalidEventPatternException("Invalid JSON") from None
    if not isinstance(parsed, dict):
        raise InvalidEventPatternException("Event pattern must be a JSON object") from None
    try:
        return EventPattern.load(pattern)
    except InvalidEventPatternException:
        raise
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidEventPatternException(str(exc)) from None


def _test_event_pattern_response(self: Any) -> tuple[str, dict[str, Any]]:
    result = test_event_pattern(self._get_param("EventPattern"), self._get_param("Event"))
    return json.dumps({"Result": result}), self.response_headers


def put_rule_with_a_valid_pattern(original: Any, self: Any, name: str, **kwargs: Any) -> Any:
    """PutRule: a pattern that is not a valid JSON object is InvalidEventPatternException, nothing stored."""
    pattern = kwargs.get("event_pattern")
    if pattern:
        load_pattern(pattern)
    return original(self, name, **kwargs)


GROUP = PatchGroup(
    name="event_patterns",
    behaviour="TestEventPattern answers whether a pattern matches an event, with moto's own matcher; PutRule "
    "refuses an invalid pattern",
    operations=("TestEventPattern", "PutRule"),
    references=(
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html",
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    ),
    build=lambda: [
        Patch(EventsHandler, "test_event_pattern", _test_event_pattern_response),
        Patch(EventsBackend, "put_rule", put_rule_with_a_valid_pattern, wraps=True),
    ],
)
