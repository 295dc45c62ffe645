"""Print every cdk-nag acknowledgement in the app, with the construct it applies to and its reason."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk

from infra.app import build_app


def main() -> None:
    app = build_app()
    app.synth()
    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    rows = []
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key:
                # One entry per construct, mapping each acknowledged finding to its reason.
                rows.extend((construct.node.path, rule, reason) for rule, reason in entry.data.items())
    for path, rule, reason in sorted(set(rows)):
        print(f"{path}\n  {rule}\n  reason: {reason}")
    unique = set(rows)
    print(
        f"\n{len(unique)} acknowledgements on {len({p for p, _, _ in unique})} constructs; "
        f"{len({why for _, _, why in unique})} distinct reasons"
    )


if __name__ == "__main__":
    main()
