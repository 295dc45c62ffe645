"""Parsing the ways a user or a pipeline names a version, without any AWS call.

Forms: ``7``; ``latest``; ``latest-approved``; ``staging``; ``production``; a versioned model package ARN;
``models:/<name>/<version>``, ``models:/<name>/latest`` and ``models:/<name>@<alias>`` (the URIs MLflow users
know, where the alias is one of the keywords above).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from modelops.contract import lifecycle
from modelops.registry.errors import MalformedReferenceError

Kind = Literal["version", "latest", "latest-approved", "stage", "arn"]

LATEST: Final = "latest"
LATEST_APPROVED: Final = "latest-approved"
# Reference keyword -> ModelLifeCycle.Stage it names.
STAGE_KEYWORDS: Final = {"staging": lifecycle.STAGE_STAGING, "production": lifecycle.STAGE_PRODUCTION}
KEYWORDS: Final = (LATEST, LATEST_APPROVED, *STAGE_KEYWORDS)

FORMS: Final = (
    "a version number (7), latest, latest-approved, staging, production, a model package ARN, "
    "models:/<name>/<version>, models:/<name>/latest or models:/<name>@<staging|production|latest-approved>"
)

# SageMaker's ModelPackageGroupName rule; ARNs carry the name lower-cased.
_GROUP: Final = r"[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62}"
_PACKAGE_ARN: Final = re.compile(
    rf"^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{{12}}:model-package/(?P<group>{_GROUP})/(?P<version>\d+)$"
)
_URI: Final = re.compile(rf"^models:/(?P<name>{_GROUP})(?:/(?P<path>[^/@]+)|@(?P<alias>[^/@]+))$")
_VERSION: Final = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class Reference:
    """A parsed reference. ``group`` is set when the reference itself names the model (ARN or URI)."""

    text: str
    kind: Kind
    group: str | None = None
    version: int | None = None
    stage: str | None = None  # a lifecycle.STAGE_* value, for kind == "stage"
    arn: str | None = None


def parse_reference(text: str) -> Reference:
    """Parse ``text`` or raise :class:`MalformedReferenceError` naming the accepted forms."""
    if not isinstance(text, str) or not text.strip():
        raise MalformedReferenceError(f"empty version reference; use {FORMS}")
    text = text.strip()
    if text.startswith("arn:"):
        match = _PACKAGE_ARN.match(text)
        if not match:
            raise MalformedReferenceError(
                f"{text!r} is not a versioned model package ARN "
                "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)"
            )
        version = _version_number(match["version"], text)
        return Reference(text, "arn", group=match["group"], version=version, arn=text)
    if text.startswith("models:"):
        match = _URI.match(text)
        if not match:
            raise MalformedReferenceError(
                f"{text!r} is not a model URI; use models:/<name>/<version>, models:/<name>/latest "
                "or models:/<name>@<alias>"
            )
        inner = match["path"] if match["path"] is not None else match["alias"]
        if match["alias"] is not None and _VERSION.match(inner):
            raise MalformedReferenceError(
                f"{text!r}: an alias after '@' is a name, not a number; use models:/{match['name']}/{inner}"
            )
        if match["path"] is not None and inner.lower() in STAGE_KEYWORDS:
            raise MalformedReferenceError(
                f"{text!r}: a stage is an alias; use models:/{match['name']}@{inner.lower()}"
            )
        return _with_group(_parse_bare(inner, original=text), match["name"])
    return _parse_bare(text, original=text)


def _parse_bare(text: str, *, original: str) -> Reference:
    if _VERSION.match(text):
        return Reference(original, "version", version=_version_number(text, original))
    keyword = text.lower()
    if keyword == LATEST:
        return Reference(original, "latest")
    if keyword == LATEST_APPROVED:
        return Reference(original, "latest-approved")
    if keyword in STAGE_KEYWORDS:
        return Reference(original, "stage", stage=STAGE_KEYWORDS[keyword])
    raise MalformedReferenceError(f"unknown version reference {original!r}; use {FORMS}")


def _with_group(reference: Reference, group: str) -> Reference:
    return Reference(
        reference.text,
        reference.kind,
        group=group,
        version=reference.version,
        stage=reference.stage,
        arn=reference.arn,
    )


def _version_number(digits: str, original: str) -> int:
    number = int(digits)
    if number < 1:
        raise MalformedReferenceError(f"{original!r}: version numbers start at 1")
    return number
