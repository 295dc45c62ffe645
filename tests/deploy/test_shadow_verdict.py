"""The shadow verdict's rules on numbers alone, and the capture pairing on SageMaker's capture records:
every comparison can fail on its own, the window decides between pending and no-traffic, a forged or stale
verdict value is not a verdict, and only requests both variants answered are compared."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import pytest

from modelops.contract import lifecycle as lc
from modelops.deploy.settings import ShadowGate
from modelops.deploy.shadow_captures import read_captures
from modelops.deploy.shadow_verdict import (
    PENDING,
    Agreement,
    VariantNumbers,
    agreement,
    judge,
    parse_verdict,
    verdict_value,
)

GATE = ShadowGate(
    enabled=True,
    min_requests=100,
    error_rate_tolerance=0.01,
    latency_tolerance=0.5,
    agreement_tolerance=0.25,
)
PRODUCTION = VariantNumbers(invocations=120, errors=0, p50_ms=10.0, p99_ms=40.0)
SAME = agreement([(float(v), float(v)) for v in range(100)])


def _shadow(**changes: Any) -> VariantNumbers:
    values = {"invocations": 110, "errors": 0, "p50_ms": 11.0, "p99_ms": 45.0, **changes}
    return VariantNumbers(**values)


def test_a_shadow_as_good_as_production_passes() -> None:
    judgement = judge(PRODUCTION, _shadow(), SAME, GATE, window_over=False)
    assert judgement.outcome == lc.SHADOW_PASS
    assert all(c.ok for c in judgement.comparisons)


@pytest.mark.parametrize(
    ("shadow", "failing"),
    [
        (_shadow(errors=3), "error rate"),  # 2.7% > 0% + 1%
        (_shadow(p50_ms=15.1), "p50"),  # over 10 ms * 1.5
        (_shadow(p99_ms=60.5), "p99"),  # over 40 ms * 1.5
        (_shadow(p50_ms=None), "p50"),  # no datapoint is no evidence
    ],
)
def test_each_comparison_fails_the_test_on_its_own(shadow: VariantNumbers, failing: str) -> None:
    judgement = judge(PRODUCTION, shadow, SAME, GATE, window_over=True)
    assert judgement.outcome == lc.SHADOW_FAIL
    assert [c.name for c in judgement.comparisons if not c.ok] == [failing]


def test_shifted_predictions_fail_agreement_relative_to_productions_spread() -> None:
    production = [float(v) for v in range(50, 250)]  # spread (sd) ~57.7
    shifted = [(p, p * 1.15 + 0.05) for p in production]  # plausible numbers, ~15% higher
    judgement = judge(PRODUCTION, _shadow(), agreement(shifted), GATE, window_over=True)
    assert judgement.outcome == lc.SHADOW_FAIL
    [failed] = [c for c in judgement.comparisons if not c.ok]
    assert failed.name == "agreement" and failed.shadow is not None and failed.shadow > 0.25


def test_small_differences_within_the_tolerance_pass() -> None:
    production = [float(v) for v in range(50, 250)]
    near = [(p, p + (1.0 if i % 2 else -1.0)) for i, p in enumerate(production)]  # 1 unit off, sd ~57.7
    assert judge(PRODUCTION, _shadow(), agreement(near), GATE, window_over=True).outcome == lc.SHADOW_PASS


def test_no_paired_predictions_is_not_agreement() -> None:
    judgement = judge(PRODUCTION, _shadow(), agreement([]), GATE, window_over=True)
    assert judgement.outcome == lc.SHADOW_FAIL
    assert "no paired captures" in judgement.summary()


def test_a_constant_production_and_a_different_shadow_disagree_infinitely() -> None:
    assert Agreement(10, 2.0, 0.0).ratio == math.inf
    assert Agreement(10, 0.0, 0.0).ratio == 0.0


def test_too_few_requests_is_pending_while_the_window_runs_and_no_traffic_once_it_ended() -> None:
    few = _shadow(invocations=40)
    assert judge(PRODUCTION, few, SAME, GATE, window_over=False).outcome == PENDING
    ended = judge(PRODUCTION, few, SAME, GATE, window_over=True)
    assert ended.outcome == lc.SHADOW_NO_TRAFFIC
    assert "40 of 100 requests" in ended.summary() and "shadow_window_minutes" in ended.summary()


def test_enough_requests_are_judged_before_the_window_ends() -> None:
    assert judge(PRODUCTION, _shadow(), SAME, GATE, window_over=False).outcome == lc.SHADOW_PASS


def test_the_verdict_value_fits_sagemakers_256_characters_and_parses_back() -> None:
    judgement = judge(PRODUCTION, _shadow(errors=50), SAME, GATE, window_over=True)
    value = verdict_value("modelops-shadow-v12-3", judgement)
    assert len(value) <= 256
    parsed = parse_verdict(value)
    assert parsed is not None
    assert (parsed.experiment, parsed.outcome) == ("modelops-shadow-v12-3", lc.SHADOW_FAIL)
    assert "errors" in parsed.numbers


@pytest.mark.parametrize("value", [None, "", "pass", "modelops-shadow-v2-1 promoted: yes", "x maybe: y"])
def test_a_value_that_is_not_an_evaluator_verdict_is_none(value: str | None) -> None:
    assert parse_verdict(value) is None


# --- captures, as SageMaker writes them: <destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl


class _S3:
    def __init__(self, objects: dict[str, str]) -> None:
        self.objects = objects

    def list_objects_v2(self, Bucket: str, Prefix: str, **_: Any) -> dict[str, Any]:
        return {"Contents": [{"Key": k} for k in sorted(self.objects) if k.startswith(Prefix)]}

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        body = self.objects[Key].encode()
        return {"Body": type("Body", (), {"read": lambda self: body})()}


def _record(
    event_id: str, rows: list[list[float]], predictions: list[float] | str, *, b64: bool = False
) -> str:
    request = json.dumps({"instances": rows})
    response = predictions if isinstance(predictions, str) else json.dumps({"predictions": predictions})
    encode = (lambda s: base64.b64encode(s.encode()).decode()) if b64 else (lambda s: s)
    encoding = "BASE64" if b64 else "JSON"
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {"mode": "INPUT", "data": encode(request), "encoding": encoding},
                "endpointOutput": {"mode": "OUTPUT", "data": encode(response), "encoding": encoding},
            },
            "eventMetadata": {"eventId": event_id, "inferenceTime": "2026-12-01T21:00:00Z"},
            "eventVersion": "0",
        }
    )


PREFIX = "shadow-capture/modelops-production/modelops-shadow-v2-1"


def _key(variant: str, name: str = "00-00-000-a.jsonl") -> str:
    return f"{PREFIX}/modelops-production/{variant}/2026/12/01/21/{name}"


def test_requests_are_paired_by_event_id_row_by_row_whatever_the_encoding() -> None:
    s3 = _S3(
        {
            _key("AllTraffic"): "\n".join(
                [_record("e1", [[1.0], [2.0]], [100.0, 200.0]), _record("e2", [[3.0]], [300.0])]
            ),
            _key("Shadow"): "\n".join(
                [_record("e2", [[3.0]], [330.0], b64=True), _record("e1", [[1.0], [2.0]], [110.0, 220.0])]
            ),
        }
    )
    captures = read_captures(s3, f"s3://bucket/{PREFIX}")
    assert sorted(captures.pairs()) == [(100.0, 110.0), (200.0, 220.0), (300.0, 330.0)]


def test_a_request_only_one_variant_answered_or_an_error_body_is_not_compared() -> None:
    s3 = _S3(
        {
            _key("AllTraffic"): "\n".join(
                [
                    _record("e1", [[1.0]], [100.0]),
                    _record("e2", [[2.0]], [200.0]),
                    _record("e3", [[3.0]], [3.0]),
                ]
            ),
            _key("Shadow"): "\n".join(
                [_record("e1", [[1.0]], [101.0]), _record("e3", [[3.0]], '{"error": "model failed"}')]
            ),
        }
    )
    assert read_captures(s3, f"s3://bucket/{PREFIX}").pairs() == [(100.0, 101.0)]


def test_lines_that_are_not_capture_records_and_files_under_no_variant_are_counted_not_used() -> None:
    s3 = _S3(
        {
            _key("AllTraffic"): "not json\n" + _record("e1", [[1.0]], [100.0]),
            f"{PREFIX}/stray/file.jsonl": _record("e1", [[1.0]], [999.0]),
        }
    )
    captures = read_captures(s3, f"s3://bucket/{PREFIX}")
    assert (captures.unreadable, captures.unassigned) == (1, 1)
    assert captures.pairs() == []  # the shadow answered nothing: nothing to compare
