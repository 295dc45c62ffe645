"""A pytest plugin loaded into moto's own test run (``-p modelops_moto_suite``).

``--modelops-patches``: apply the embedded AWS's patches at session start, in every xdist worker, and keep
them for the whole run (IAM enforcement, which moto's arbitrary test credentials could not pass, is not one
of them). ``--modelops-outcomes PATH``: write every test's outcome (passed, failed, skipped) as JSON, and
``error`` for a module that could not be collected.

It is a top-level module on its own ``PYTHONPATH`` entry, not part of this project's ``tests`` package:
moto's suite is a package named ``tests`` too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("modelops")
    group.addoption("--modelops-patches", action="store_true", help="apply the embedded AWS's patches")
    group.addoption("--modelops-outcomes", metavar="PATH", help="write each test's outcome to PATH (JSON)")


def apply_patches() -> None:
    """Every patch group of the embedded AWS, applied through its registry (undone when the process ends)."""
    from modelops.local.patches import registry

    registry().apply()


class Outcomes:
    """Each test's outcome: its call's, unless its setup failed or skipped it, or its teardown failed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # Under xdist the controller receives every worker's reports.
        if (report.when == "call" or report.outcome != "passed") and self.outcomes.get(
            report.nodeid
        ) != "failed":
            self.outcomes[report.nodeid] = "failed" if report.failed else report.outcome

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:  # a module that could not be collected: its tests have no outcome at all
            self.outcomes[report.nodeid] = "error"

    def pytest_sessionfinish(self) -> None:
        self.path.write_text(json.dumps(self.outcomes, indent=1, sort_keys=True))


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("modelops_patches"):
        apply_patches()
    path = config.getoption("modelops_outcomes")
    if path and not hasattr(config, "workerinput"):  # the controller, or a run without xdist
        config.pluginmanager.register(Outcomes(Path(path)), "modelops-outcomes")
