"""Synthesize the app in-process for tests and hand back stacks and templates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk.assertions import Template

from infra.app import build_app

REPO = Path(__file__).resolve().parents[2]


def synth(context: dict[str, Any] | None = None, outdir: Path | None = None) -> cdk.App:
    app = build_app(context=context, outdir=str(outdir) if outdir else None)
    app.synth()  # runs cdk-nag: raises if any finding is unacknowledged
    return app


def stack(app: cdk.App, suffix: str) -> cdk.Stack:
    for child in app.node.children:
        if isinstance(child, cdk.Stack) and child.stack_name.endswith(suffix):
            return child
    raise LookupError(f"no stack ending in {suffix!r}")


def template(app: cdk.App, suffix: str) -> Template:
    return Template.from_stack(stack(app, suffix))


def cfn_lint(template_paths: list[Path]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), *map(str, template_paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def templates_in(outdir: Path) -> dict[str, Any]:
    return {p.name: json.loads(p.read_text()) for p in sorted(outdir.glob("*.template.json"))}
