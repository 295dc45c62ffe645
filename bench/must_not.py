"""The must-not table of issue 12 on the synthesized policies: how many cases, how many refused, and the
statement that refuses each (or the missing Allow).

    .venv/bin/python bench/must_not.py            # the summary line
    .venv/bin/python bench/must_not.py --each     # one line per case: the deciding statement

Synthesizes the app once (offline), then evaluates every row of ``tests/local/iam/test_must_not.py`` and
``test_must_be_allowed.py`` as the tests do.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


def _why(verdict: object) -> str:
    refusal = getattr(verdict, "refusal", None)
    if refusal is None:
        return "allowed"
    action = refusal.request.action
    if refusal.statement is not None:
        return f"{action}: explicit deny {refusal.statement.label}"
    return f"{action}: no {refusal.where} allows it"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--each", action="store_true", help="print every case and what decided it")
    args = parser.parse_args()

    from infra.app import build_app
    from modelops.local.iam import Assembly, Authorizer, collect
    from tests.local.iam.calls import decide
    from tests.local.iam.conftest import ENV, World
    from tests.local.iam.test_must_be_allowed import MUST_BE_ALLOWED, RECORDS
    from tests.local.iam.test_must_not import MUST_NOT, MUST_NOT_EXTRA

    with tempfile.TemporaryDirectory() as outdir:
        build_app(outdir=outdir).synth()
        assembly = Assembly.from_cdk_out(Path(outdir), ENV)
        principals = collect(assembly)
        world = World(assembly, principals, Authorizer(principals, ENV))
        must_not = [*MUST_NOT, *MUST_NOT_EXTRA]
        refused = 0
        for case in must_not:
            verdict = decide(world, case.values[0])
            refused += not verdict.allowed
            if args.each:
                print(f"{'refused' if not verdict.allowed else 'ALLOWED':8} {case.id}: {_why(verdict)}")
        must = [*MUST_BE_ALLOWED, *RECORDS]
        allowed = sum(decide(world, case.values[0]).allowed for case in must)
    print(
        f"must-not: {len(must_not)} cases, {refused} refused; must-be-allowed: {len(must)} cases, {allowed} allowed"
    )


if __name__ == "__main__":
    main()
