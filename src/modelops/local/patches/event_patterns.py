"""The ``event_patterns`` patch: EventBridge's TestEventPattern, which moto 5.2.5 leaves as a stub.

As the EventBridge API reference documents TestEventPattern: it "tests whether the specified event pattern
matches the provided event", and the event must carry the mandatory envelope fields. Filled with moto's own
pattern matcher, the one the dispatcher and the default bus use, so a pattern can be checked against a
documented event (``tests/events/``) through the API exactly as against AWS.
"""

from __future__ import annotations

import json
from typing import Any, cast

from moto.events.exceptions import InvalidEventPatternException, ValidationException
from moto.events.models import EventPattern
from moto.events.responses import EventsHandler

from modelops.local.patches.patch import Patch, PatchGroup

# The envelope fields TestEventPattern requires of the event. The reference also lists ``resources``, which is
# not checked here yet (issue 14).
_REQUIRED = ("id", "account", "source", "time", "region", "detail-type")


def test_event_pattern(pattern: str, event: str) -> bool:
    """Whether ``event`` (JSON) matches ``pattern`` (JSON); raises as EventBridge does on bad input."""
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
    try:
        matcher = EventPattern.load(pattern)
    except InvalidEventPatternException:
        raise
    except ValueError as exc:
        raise InvalidEventPatternException(str(exc)) from None
    return bool(matcher.matches_event(cast(Any, parsed)))


def _test_event_pattern_response(self: Any) -> tuple[str, dict[str, Any]]:
    result = test_event_pattern(self._get_param("EventPattern"), self._get_param("Event"))
    return json.dumps({"Result": result}), self.response_headers


GROUP = PatchGroup(
    name="event_patterns",
    behaviour="TestEventPattern answers whether a pattern matches an event, with moto's own matcher",
    operations=("TestEventPattern",),
    references=("https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html",),
    build=lambda: [Patch(EventsHandler, "test_event_pattern", _test_event_pattern_response)],
)
