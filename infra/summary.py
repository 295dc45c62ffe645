"""Print what `make synth` produced: each stack with its resources counted by type."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path


def summarize(cdk_out: Path) -> str:
    lines = []
    for template_path in sorted(cdk_out.glob("*.template.json")):
        resources = json.loads(template_path.read_text()).get("Resources", {})
        counts = Counter(r["Type"] for r in resources.values() if r["Type"] != "AWS::CDK::Metadata")
        lines.append(f"{template_path.name.removesuffix('.template.json')}: {sum(counts.values())} resources")
        lines.extend(f"  {count:3d}  {kind}" for kind, count in sorted(counts.items()))
    return "\n".join(lines)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "cdk.out")
    if not list(out.glob("*.template.json")):
        raise SystemExit(f"no templates in {out}/: run `make synth` first")
    print(summarize(out))
