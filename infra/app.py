"""The CDK app: reads the stage from context, builds every stack, and runs cdk-nag over all of them.

Run by the CDK CLI (``cdk.json``: ``python -m infra``, which starts the slow parts early) and by the tests (``build_app``). The named
stages are ``cdk.json``'s ``modelops:stages`` context; their type and validation are the contract's
(``modelops.contract.settings``), which the CLI reads the same way.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.stacks.deployment_stack import DeploymentStack
from infra.stacks.pipeline_stack import PipelineStack
from infra.stacks.registry_stack import RegistryStack
from modelops.contract import names
from modelops.contract.settings import OVERRIDABLE, SettingsError, settings_from_context

_CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"


def feature_flags() -> dict[str, Any]:
    """The context of cdk.json (feature flags and the named stages), so an app built in-process (tests)
    matches what the CLI synthesizes."""
    return dict(json.loads(_CDK_JSON.read_text())["context"])


def build_app(context: Mapping[str, Any] | None = None, outdir: str | None = None) -> cdk.App:
    """Build every stack of the stage that ``context`` selects. Raises SettingsError on a bad setting."""
    app = cdk.App(context={**feature_flags(), **(context or {})}, outdir=outdir)
    keys = ("stage", names.STAGES_CONTEXT_KEY, *OVERRIDABLE)
    settings = settings_from_context({key: app.node.try_get_context(key) for key in keys})
    project = settings.project_name

    registry_stack = RegistryStack(
        app,
        names.stack_name(project, "registry"),
        settings=settings,
        description="modelops: model registry (group, artifacts, topic)",
    )
    DeploymentStack(
        app,
        names.stack_name(project, "deployment"),
        settings=settings,
        registry=registry_stack.registry,
        description="modelops: approval-driven deployment (rules, deployer Lambdas, alarms, DLQs)",
    )
    # The pipeline stack last: its definition is the one slow part of synth, built by the prebuild
    # (``python -m infra``) on the other core, so the rest of the app is built while it finishes.
    PipelineStack(
        app,
        names.stack_name(project, "pipeline"),
        settings=settings,
        registry=registry_stack.registry,
        code_commit=str(app.node.try_get_context("code_commit") or "unrecorded"),
        description="modelops: training pipeline (preprocess, train, evaluate, gate, register)",
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
