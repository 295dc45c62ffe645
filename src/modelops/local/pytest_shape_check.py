"""pytest plugin: every SageMaker/EventBridge response of the test run checked against botocore's model.

Registered from ``tests/conftest.py``. A response whose body the operation's output shape refuses fails the
test during which it arrived (setup, call or teardown), naming the operation and the member path, unless the
ini option ``shape_check_allowlist`` (a TOML file, relative to the rootdir) lists that mismatch with the
issue tracking it. The session fails too when a listed mismatch is stale (responses where it could have
happened came without it, and none with it) or when a mismatch arrived between tests. The terminal summary prints how many
responses were validated; under xdist the workers' counts are added up by the controller.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from modelops.local.shape_check import Allowed, Mismatch, ShapeCheck, load_allowlist, stale

_WORKER_OUTPUT = "modelops_shape_check"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "shape_check_allowlist",
        "TOML file of known response mismatches ([[mismatch]] operation, member, problem, issue, why)",
        default="",
    )


class ShapeCheckPlugin:
    def __init__(self, config: pytest.Config, allowed: list[Allowed], source: str) -> None:
        self.config, self.allowed, self.source = config, allowed, source
        self.allowed_keys = {entry.key for entry in allowed}
        self.check = ShapeCheck(watched=frozenset(self.allowed_keys))
        self.between_tests: list[str] = []

    def _unexpected(self) -> list[Mismatch]:
        return [m for m in self.check.take() if m.key not in self.allowed_keys]

    def _fail_if_any(self, item: pytest.Item, when: str, outcome_raised: bool) -> None:
        found = Counter(str(m) for m in self._unexpected())
        if not found:
            return
        message = "responses the service model refuses (botocore's output shape for the operation):\n"
        message += "\n".join(
            f"  {text}" + (f" ({n} responses)" if n > 1 else "") for text, n in found.items()
        )
        if outcome_raised:  # the test failed already: add the mismatches to its report, keep its error
            item.add_report_section(when, "shape check", message)
        else:
            pytest.fail(message, pytrace=False)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Generator[None, Any, Any]:
        self.between_tests += [f"before {item.nodeid}: {m}" for m in self._unexpected()]
        return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, Any, Any]:
        try:
            result = yield
        except BaseException:
            self._fail_if_any(item, "call", outcome_raised=True)
            raise
        self._fail_if_any(item, "call", outcome_raised=False)  # the setup's too: it ran for this test
        return result

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, Any, Any]:
        try:
            result = yield
        except BaseException:
            self._fail_if_any(item, "teardown", outcome_raised=True)
            raise
        self._fail_if_any(item, "teardown", outcome_raised=False)
        return result

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
        if output is not None:
            self.check.add_counts(output["counts"])
            self.between_tests += output["between_tests"]

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.between_tests += [f"after the last test: {m}" for m in self._unexpected()]
        worker_output = getattr(self.config, "workeroutput", None)
        if worker_output is not None:  # an xdist worker: the controller judges and reports
            worker_output[_WORKER_OUTPUT] = {
                "counts": self.check.counts(),
                "between_tests": self.between_tests,
            }
            return
        if (
            self.between_tests or stale(self.check, self.allowed)
        ) and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if hasattr(self.config, "workerinput"):
            return
        check, write = self.check, terminalreporter.write_line
        found = sum(n for key, n in check.seen.items() if key not in self.allowed_keys)
        allowed = sum(n for key, n in check.seen.items() if key in self.allowed_keys)
        write(
            f"shape check: {check.total} SageMaker/EventBridge responses validated, {found} mismatches"
            f" ({allowed} more allowed by {self.source})"
        )
        for key, n in sorted(check.seen.items()):
            if key not in self.allowed_keys:
                write(f"  mismatch: {check.examples[key]} ({n} responses)")
        for entry in (e for e in self.allowed if check.seen[e.key] or check.cleared[e.key]):
            write(
                f"  allowed: {entry}: in {check.seen[entry.key]} responses, absent from {check.cleared[entry.key]}"
            )
        for entry in stale(check, self.allowed):
            write(
                f"  STALE allow-list entry (the mismatch no longer happens; remove it from {self.source}): {entry}"
            )
        for text in self.between_tests:
            write(f"  mismatch outside any test: {text}")


def pytest_configure(config: pytest.Config) -> None:
    name = config.getini("shape_check_allowlist")
    path = Path(config.rootpath, name) if name else None
    allowed = load_allowlist(path.read_text(), str(name)) if path is not None else []
    plugin = ShapeCheckPlugin(config, allowed, str(name) or "no allow-list")
    config.pluginmanager.register(plugin, "modelops-shape-check")
    plugin.check.install()
    config.add_cleanup(plugin.check.uninstall)
