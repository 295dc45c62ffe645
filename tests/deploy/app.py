"""The registry and deployment stacks as one app, synthesized in-process for the deployment tests.

``infra.app.build_app`` wires every stack of the project; these tests need only the two this area
depends on, with cdk-nag attached exactly as ``build_app`` attaches it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.app import feature_flags
from infra.stacks.deployment_stack import DeploymentStack
from infra.stacks.registry_stack import RegistryStack
from modelops.contract.settings import settings_from_context

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def build(
    context: dict[str, Any] | None = None, outdir: Path | None = None
) -> tuple[cdk.App, DeploymentStack]:
    app = cdk.App(context={**feature_flags(), **(context or {})}, outdir=str(outdir) if outdir else None)
    settings = settings_from_context({**feature_flags(), **(context or {})})
    registry = RegistryStack(app, f"{settings.project_name}-registry", settings=settings)
    deployment = DeploymentStack(
        app, f"{settings.project_name}-deployment", settings=settings, registry=registry.registry
    )
    for key, value in settings.resource_tags.items():
        cdk.Tags.of(app).add(key, value)
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True))
    return app, deployment


def synth_to(outdir: Path, context: dict[str, Any] | None = None) -> Path:
    """Synthesize (cdk-nag runs and raises on any finding) and return the cloud assembly folder."""
    app, _ = build(context, outdir)
    app.synth()
    return outdir
