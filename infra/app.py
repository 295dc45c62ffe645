"""The CDK app: reads the stage from context, builds every stack, and runs cdk-nag over all of them.

Run by the CDK CLI (``cdk.json``: ``python -m infra.app``) and by the tests (``build_app``).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.config import SettingsError, StageSettings, settings_for
from infra.stacks.deployment_stack import DeploymentStack
from infra.stacks.pipeline_stack import PipelineStack
from infra.stacks.registry_stack import RegistryStack

# Settings a user may override one by one with ``-c name=value`` on top of the chosen stage.
_OVERRIDABLE = {f.name: f for f in dataclasses.fields(StageSettings) if f.name not in ("stage", "tags")}


def settings_from_context(context: Mapping[str, Any]) -> StageSettings:
    """The chosen stage's settings with any per-setting context overrides applied (and validated)."""
    settings = settings_for(context.get("stage"))
    overrides: dict[str, Any] = {}
    for name, field in _OVERRIDABLE.items():
        if name in context:
            overrides[name] = _coerce(name, field.type, context[name])
    return dataclasses.replace(settings, **overrides) if overrides else settings


def _coerce(name: str, annotation: Any, raw: Any) -> Any:
    text = str(annotation)
    if isinstance(raw, str):
        if "tuple" in text:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if text.startswith("int"):
            try:
                return int(raw)
            except ValueError:
                raise SettingsError(f"invalid {name} {raw!r}: expected an integer") from None
        if text.startswith("float"):
            try:
                return float(raw)
            except ValueError:
                raise SettingsError(f"invalid {name} {raw!r}: expected a number") from None
        if text.startswith("bool"):
            if raw.lower() not in ("true", "false"):
                raise SettingsError(f"invalid {name} {raw!r}: expected true or false")
            return raw.lower() == "true"
    if isinstance(raw, list) and "tuple" in text:
        return tuple(str(item) for item in raw)
    return raw


_CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def feature_flags() -> dict[str, Any]:
    """The feature flags of cdk.json, so an app built in-process (tests) matches what the CLI synthesizes."""
    return dict(json.loads(_CDK_JSON.read_text())["context"])


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    """Build every stack of the stage that ``context`` selects. Raises SettingsError on a bad setting."""
    app = cdk.App(context={**feature_flags(), **(context or {})}, outdir=outdir)
    node_context = {key: app.node.try_get_context(key) for key in ("stage", *_OVERRIDABLE)}
    settings = settings_from_context({k: v for k, v in node_context.items() if v is not None})
    prefix = settings.project_name

    registry_stack = RegistryStack(
        app,
        f"{prefix}-registry",
        settings=settings,
        description="modelops: model registry (group, artifacts, topic)",
    )
    PipelineStack(
        app,
        f"{prefix}-pipeline",
        settings=settings,
        registry=registry_stack.registry,
        code_commit=str(app.node.try_get_context("code_commit") or "unrecorded"),
        description="modelops: training pipeline (preprocess, train, evaluate, gate, register)",
    )
    DeploymentStack(
        app,
        f"{prefix}-deployment",
        settings=settings,
        registry=registry_stack.registry,
        description="modelops: approval-driven deployment (rules, deployer Lambdas, alarms, DLQs)",
    )

    for key, value in settings.resource_tags.items():
        cdk.Tags.of(app).add(key, value)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app


def main() -> None:
    try:
        app = build_app()
    except SettingsError as error:
        print(f"modelops: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    app.synth()


if __name__ == "__main__":
    main()
