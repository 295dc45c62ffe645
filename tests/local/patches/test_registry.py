"""The embedded AWS's patches: applied while it runs, every attribute of moto restored when it stops, listed."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from moto.core.responses import BaseResponse

from modelops.cli import main
from modelops.local import embedded
from modelops.local.embedded import embedded_aws
from modelops.local.patches import GROUP_MODULES, PatchError, registry

Snapshot = dict[type, dict[str, Any]]

# Entries that change without any patch (plain moto does the same): moto's list of model instances, replaced
# whenever a mock starts, and the empty ``__annotations__`` Python creates on a class the first time moto's
# request handling reads it. Everything else in the classes' __dict__ is compared.
NOT_OURS = ("instances_tracked", "__annotations__")


def snapshot() -> Snapshot:
    """Every entry of the ``__dict__`` of every class a patch touches (the objects themselves)."""
    owners = {patch.owner for group in registry() for patch in group.patches}
    return {
        owner: {name: value for name, value in vars(owner).items() if name not in NOT_OURS}
        for owner in owners
    }


def assert_same(before: Snapshot, after: Snapshot) -> None:
    for owner, entries in before.items():
        now = after[owner]
        assert set(now) == set(entries), f"{owner.__qualname__}: attributes added or removed"
        changed = [name for name, value in entries.items() if now[name] is not value]
        assert not changed, f"{owner.__qualname__}: {changed} not restored"


@pytest.fixture
def pristine() -> Iterator[Snapshot]:
    assert not registry().applied, "a patch is applied outside an embedded AWS"
    before = snapshot()
    yield before
    registry().undo()  # whatever the test did, leave moto as moto
    assert_same(before, snapshot())


def test_leaving_embedded_aws_restores_every_attribute_of_moto_it_changed(pristine: Snapshot) -> None:
    call_action = vars(BaseResponse)["call_action"]

    with embedded_aws(None) as aws:
        during = snapshot()
        assert vars(BaseResponse)["call_action"] is not call_action
        sm = aws.client("sagemaker")
        sm.create_model_package_group(ModelPackageGroupName="g")
        sm.search(Resource="ModelPackage", MaxResults=5)

    assert vars(BaseResponse)["call_action"] is call_action
    assert_same(pristine, snapshot())
    changed = [
        f"{owner.__qualname__}.{name}"
        for owner, entries in during.items()
        for name in set(entries) | set(pristine[owner])
        if entries.get(name) is not pristine[owner].get(name)
    ]
    assert len(changed) == len({p.target for g in registry() for p in g.patches})  # each patched, once


def test_every_patch_is_applied_while_the_embedded_aws_runs(pristine: Snapshot) -> None:
    with embedded_aws(None):
        assert all(patch.applied for group in registry() for patch in group.patches)

    assert not registry().applied


def test_a_failure_while_starting_undoes_the_patches(
    pristine: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("provisioning failed")

    monkeypatch.setattr(embedded, "_provisioned", broken)

    with pytest.raises(RuntimeError, match="provisioning failed"), embedded_aws(None):
        pass

    assert not registry().applied
    assert_same(pristine, snapshot())


def test_applying_twice_is_idempotent_and_one_undo_restores(pristine: Snapshot) -> None:
    registry().apply()
    once = snapshot()
    registry().apply()

    assert_same(once, snapshot())
    registry().undo()
    assert_same(pristine, snapshot())


def test_undo_after_a_failed_apply_restores_what_was_applied(
    pristine: Snapshot, monkeypatch: pytest.MonkeyPatch
) -> None:
    last = registry()["faults"].patches[0]

    def refuse() -> None:
        raise PatchError("refused")

    monkeypatch.setattr(last, "apply", refuse)

    with pytest.raises(PatchError, match="refused"):
        registry().apply()

    assert not registry().applied  # the groups applied before the failure were undone
    assert_same(pristine, snapshot())


def test_each_group_is_named_for_its_module_and_cites_the_aws_reference() -> None:
    assert registry().names() == list(GROUP_MODULES)
    for name in GROUP_MODULES:
        group = importlib.import_module(f"modelops.local.patches.{name}").GROUP
        assert group.name == name
        assert group.operations and group.behaviour and group.patches
        assert all(url.startswith("https://docs.aws.amazon.com/") for url in group.references), name


def test_local_patches_lists_every_patch_group_its_operations_and_references() -> None:
    result = CliRunner().invoke(main, ["local", "patches"], catch_exceptions=False)

    assert result.exit_code == 0
    for group in registry():
        assert f"{group.name}: {group.behaviour}" in result.output
        assert f"operations: {', '.join(group.operations)}" in result.output
        for url in group.references:
            assert url in result.output


def test_local_patches_verbose_names_every_attribute_patched() -> None:
    result = CliRunner().invoke(main, ["local", "patches", "--verbose"], catch_exceptions=False)

    assert result.exit_code == 0
    targets = [patch.target for group in registry() for patch in group.patches]
    assert all(target in result.output for target in targets)
    assert "moto.core.responses.BaseResponse.call_action" in targets
