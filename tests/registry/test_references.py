"""Every reference form parses to what it names; every malformed one is refused with the accepted forms."""

from __future__ import annotations

import pytest

from modelops.contract import lifecycle
from modelops.registry import MalformedReferenceError, parse_reference

ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/diabetes-progression/12"


@pytest.mark.parametrize(
    ("text", "kind", "version", "stage", "group"),
    [
        ("7", "version", 7, None, None),
        ("latest", "latest", None, None, None),
        ("LATEST-approved", "latest-approved", None, None, None),
        ("staging", "stage", None, lifecycle.STAGE_STAGING, None),
        ("production", "stage", None, lifecycle.STAGE_PRODUCTION, None),
        (ARN, "arn", 12, None, "diabetes-progression"),
        ("models:/diabetes-progression/3", "version", 3, None, "diabetes-progression"),
        ("models:/diabetes-progression/latest", "latest", None, None, "diabetes-progression"),
        (
            "models:/diabetes-progression@production",
            "stage",
            None,
            lifecycle.STAGE_PRODUCTION,
            "diabetes-progression",
        ),
        (
            "models:/diabetes-progression@staging",
            "stage",
            None,
            lifecycle.STAGE_STAGING,
            "diabetes-progression",
        ),
        (
            "models:/diabetes-progression@latest-approved",
            "latest-approved",
            None,
            None,
            "diabetes-progression",
        ),
    ],
)
def test_each_reference_form_names_what_it_says(
    text: str, kind: str, version: int | None, stage: str | None, group: str | None
) -> None:
    reference = parse_reference(text)
    assert (reference.kind, reference.version, reference.stage, reference.group) == (
        kind,
        version,
        stage,
        group,
    )


def test_package_arn_reference_keeps_the_arn() -> None:
    assert parse_reference(ARN).arn == ARN


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("0", "start at 1"),
        ("-3", "unknown version reference"),
        ("v3", "unknown version reference"),
        ("prod", "unknown version reference"),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package-group/diabetes-progression", "versioned"),
        ("arn:aws:sagemaker:us-east-1:123456789012:model-package/diabetes-progression", "versioned"),
        ("models:/diabetes-progression", "not a model URI"),
        ("models:/diabetes-progression/", "not a model URI"),
        ("models:/diabetes-progression/3/4", "not a model URI"),
        ("models:/diabetes-progression@3", "alias after '@' is a name"),
        ("models:/diabetes-progression/production", "a stage is an alias"),
        ("models:/diabetes-progression@champion", "unknown version reference"),
        ("models:/-bad-/3", "not a model URI"),
    ],
)
def test_malformed_reference_is_refused_naming_what_would_be_right(text: str, hint: str) -> None:
    with pytest.raises(MalformedReferenceError) as raised:
        parse_reference(text)
    message = str(raised.value)
    assert hint in message
    assert "\n" not in message
