"""The check: every moto test that passes on plain moto passes patched, except the listed ones.

``deliberate_differences.toml`` lists them: a ``[[difference]]`` where the patch follows AWS's documentation
more closely (``reference``: the page it follows), a ``[[defect]]`` where the patch is wrong and the fix is
tracked (``issue``). An entry whose test no longer differs is stale and fails the check too, so the list says
what is true of the pinned moto and today's patches.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DOCUMENTATION = "https://docs.aws.amazon.com/"
SHOWN = 25  # regressions named in the summary; a broken pass would name hundreds


class DifferencesFileError(ValueError):
    """The differences file is malformed: an entry without its reference or issue, or a test listed twice."""


@dataclass(frozen=True)
class Listed:
    test: str
    kind: str  # "difference" or "defect"
    reference: str  # an AWS documentation URL, or "issue N"
    why: str


def load_listed(path: Path) -> dict[str, Listed]:
    data = tomllib.loads(path.read_text())
    listed: dict[str, Listed] = {}
    for kind, key in (("difference", "reference"), ("defect", "issue")):
        for entry in data.get(kind, []):
            test, value = entry.get("test"), entry.get(key)
            if not test or value is None or not entry.get("why"):
                raise DifferencesFileError(f"{path}: every [[{kind}]] needs test, {key} and why: {entry}")
            if kind == "difference" and not str(value).startswith(DOCUMENTATION):
                raise DifferencesFileError(
                    f"{path}: {test}: reference must be an AWS page ({DOCUMENTATION}...)"
                )
            if test in listed:
                raise DifferencesFileError(f"{path}: {test} is listed twice")
            listed[test] = Listed(
                test, kind, str(value) if kind == "difference" else f"issue {value}", entry["why"]
            )
    unknown = set(data) - {"difference", "defect"}
    if unknown:
        raise DifferencesFileError(
            f"{path}: unknown tables {sorted(unknown)}; expected [[difference]], [[defect]]"
        )
    return listed


@dataclass(frozen=True)
class Comparison:
    plain: dict[str, str]  # test id -> outcome on plain moto
    patched: dict[str, str]  # test id -> outcome with the patches
    listed: dict[str, Listed]

    @property
    def differing(self) -> list[str]:
        """Tests that pass on plain moto and not patched (failed, skipped, or not run at all)."""
        return sorted(t for t, o in self.plain.items() if o == "passed" and self.patched.get(t) != "passed")

    @property
    def regressions(self) -> list[str]:
        return [t for t in self.differing if t not in self.listed]

    @property
    def stale(self) -> list[Listed]:
        """Listed tests that no longer differ (they pass patched, or fail on plain moto too, or are gone)."""
        differing = set(self.differing)
        return [entry for test, entry in sorted(self.listed.items()) if test not in differing]

    @property
    def fixed_by_patches(self) -> list[str]:
        """Tests that fail on plain moto and pass patched: worth knowing, never a failure."""
        return sorted(t for t, o in self.plain.items() if o == "failed" and self.patched.get(t) == "passed")

    @property
    def ok(self) -> bool:
        return not self.regressions and not self.stale


def tally(outcomes: dict[str, str]) -> str:
    counts = Counter(outcomes.values())
    return ", ".join(f"{counts[o]} {o}" for o in ("passed", "failed", "skipped"))


def report(comparison: Comparison, differences_file: str) -> list[str]:
    """The summary printed after both passes."""
    lines = [
        f"  plain moto: {tally(comparison.plain)}",
        f"  patched:    {tally(comparison.patched)}",
        f"  listed in {differences_file}:",
    ]
    lines += [
        f"    {e.kind:<10} {e.test}\n               ({e.reference})" for e in comparison.listed.values()
    ]
    lines += [f"  fails on plain moto, passes patched: {t}" for t in comparison.fixed_by_patches]
    lines += [
        f"  REGRESSION (passes on plain moto, not patched; not listed): {t}" for t in comparison.regressions
    ]
    lines += [
        f"  STALE ENTRY ({e.kind} no longer differs; remove it from {differences_file}): {e.test}"
        for e in comparison.stale
    ]
    verdict = (
        "ok"
        if comparison.ok
        else f"FAILED: {len(comparison.regressions)} regressions, {len(comparison.stale)} stale"
    )
    lines.append(f"  moto suite check: {verdict}")
    return lines
