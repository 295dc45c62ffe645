"""Bad input on the command line: one line on stderr, exit 2 (usage) or 1 (operation refused), nothing changed.

Every case leaves the registry as it found it (asserted), so they share one populated embedded AWS.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from modelops.local.embedded import embedded_aws
from modelops.registry import ModelRegistry
from tests.registry.conftest import GROUP, populate, snapshot
from tests.registry.test_cli import error_line, run


@pytest.fixture(scope="module")
def shared() -> Iterator[Any]:
    with embedded_aws(None) as aws:
        sagemaker = aws.client("sagemaker")
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
        populate(ModelRegistry(sagemaker, GROUP))
        yield sagemaker


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["show", "v3"], 2, "unknown version reference 'v3'"),
        (["show", "models:/x"], 2, "not a model URI"),
        (["show", "9"], 1, "version 9 of 'diabetes-progression' does not exist; the newest is 4"),
        (["show", "1", "--group", "nope"], 1, "'nope' does not exist"),
        (["approve", "4"], 2, "Missing option '--reason'"),
        (["approve", "4", "--reason", "  "], 2, "needs a reason"),
        (["reject", "2", "--reason", "x"], 1, "a rejection would not take it out"),
        (["promote", "4", "--reason", "x"], 1, "only an Approved version that passed staging"),
        (["promote", "1", "--reason", "x"], 1, "only a version in Staging/Passed"),
        (["rollback", "--reason", "x", "--to", "3"], 1, "must be a former production version"),
        (["rollback"], 2, "Missing option '--reason'"),
        (["versions", "--min", "rmse"], 2, "is not NAME=NUMBER"),
        (["versions", "--stage", "Prod"], 2, "'Prod' is not one of"),
        (["diff", "1"], 2, "Missing argument 'B'"),
        (["frobnicate"], 2, "No such command 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_with_the_right_exit_status_and_changes_nothing(
    shared: Any, args: list[str], code: int, says: str
) -> None:
    sagemaker = shared
    before = snapshot(sagemaker)
    result = run(*args)
    assert result.exit_code == code, result.output
    assert says in error_line(result)
    assert result.stdout == ""
    assert snapshot(sagemaker) == before
