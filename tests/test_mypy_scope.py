"""mypy follows exactly the aws_cdk modules the checked code can reach (tests/mypy_scope.py says why)."""

from __future__ import annotations

from pathlib import Path

from tests.mypy_scope import checked_paths, followed_in_pyproject, reachable, toml_list


def test_pyproject_follows_exactly_the_aws_cdk_modules_the_checked_code_reaches() -> None:
    followed, needed = set(followed_in_pyproject()), set(reachable(checked_paths()))
    unchecked, stale = sorted(needed - followed), sorted(followed - needed)
    assert not unchecked and not stale, (
        f"pyproject.toml's followed aws_cdk modules are out of date: reached but skipped (typed Any) "
        f"{unchecked}, listed but unreached {stale}; replace the list with `python -m tests.mypy_scope`'s:\n"
        + toml_list(sorted(needed))
    )


def test_a_module_s_type_imports_are_followed_and_the_root_s_re_exports_are_not(tmp_path: Path) -> None:
    source = tmp_path / "app.py"
    source.write_text("import aws_cdk as cdk\nfrom aws_cdk import aws_sagemaker as sagemaker\n")
    modules = reachable([source])
    # aws_sagemaker's signatures name IAM roles and the root's constructs: both are checked.
    assert {"aws_cdk", "aws_cdk.aws_sagemaker", "aws_cdk.aws_iam", "aws_cdk.interfaces.aws_iam"} <= set(
        modules
    )
    # The root's `from . import aws_quicksight` is a re-export, not a type this code can meet.
    assert "aws_cdk.aws_quicksight" not in modules
    assert len(modules) < 150


def test_a_new_import_of_an_unreached_module_is_reached(tmp_path: Path) -> None:
    source = tmp_path / "app.py"
    source.write_text("from aws_cdk.aws_quicksight import CfnDashboard\nimport aws_cdk.aws_medialive\n")
    modules = set(reachable([source]))
    assert {"aws_cdk.aws_quicksight", "aws_cdk.aws_medialive", "aws_cdk"} <= modules
    assert "aws_cdk.aws_quicksight.CfnDashboard" not in modules  # a class, not a module


def test_the_packages_built_on_aws_cdk_lib_are_followed_too(tmp_path: Path) -> None:
    # cdk-nag's own signatures name aws_cdk types (its rules take a CfnResource): reached with no import here.
    empty = tmp_path / "empty.py"
    empty.write_text("")
    assert "aws_cdk" in reachable([empty])
