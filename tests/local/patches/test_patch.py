"""The patch framework: a patch restores exactly what it replaced, and a failed apply leaves nothing behind."""

from __future__ import annotations

from typing import Any

import pytest

from modelops.local.patches.patch import Patch, PatchError, PatchGroup, PatchRegistry, apply_all


class Base:
    def greet(self) -> str:
        return "base"


class Child(Base):
    @staticmethod
    def own() -> str:
        return "own"


def replacement(self: Any) -> str:
    return "patched"


@pytest.fixture(autouse=True)
def pristine() -> Any:
    before = {cls: dict(vars(cls)) for cls in (Base, Child)}
    yield
    for cls, entries in before.items():
        assert dict(vars(cls)) == entries, f"a test left {cls.__name__} patched"


def test_undo_restores_the_very_object_the_class_held() -> None:
    original = vars(Child)["own"]  # a staticmethod object: restoring getattr's function would change it
    patch = Patch(Child, "own", staticmethod(lambda: "patched"))

    patch.apply()
    assert Child.own() == "patched"
    patch.undo()

    assert vars(Child)["own"] is original
    assert Child.own() == "own"


def test_undo_of_a_patch_on_an_inherited_attribute_leaves_the_class_without_one() -> None:
    patch = Patch(Child, "greet", replacement)

    patch.apply()
    assert Child().greet() == "patched"
    patch.undo()

    assert "greet" not in vars(Child)
    assert Child().greet() == "base"


def test_undo_of_a_patch_adding_an_attribute_removes_it() -> None:
    patch = Patch(Child, "added", replacement)

    patch.apply()
    assert Child().added() == "patched"  # type: ignore[attr-defined]
    patch.undo()

    assert not hasattr(Child, "added")


def test_a_wrapping_patch_calls_the_method_it_extends() -> None:
    patch = Patch(Child, "greet", lambda original, self: f"{original(self)}+patched", wraps=True)

    patch.apply()
    try:
        assert Child().greet() == "base+patched"
        assert Base().greet() == "base"
    finally:
        patch.undo()


def test_applying_twice_changes_nothing_and_one_undo_restores() -> None:
    patch = Patch(Base, "greet", replacement)
    original = vars(Base)["greet"]

    patch.apply()
    installed = vars(Base)["greet"]
    patch.apply()

    assert vars(Base)["greet"] is installed
    patch.undo()
    assert vars(Base)["greet"] is original
    patch.undo()  # undoing what is not applied is a no-op
    assert vars(Base)["greet"] is original


def test_two_patches_wrapping_one_method_chain_and_undo_last_first() -> None:
    inner = Patch(Base, "greet", lambda original, self: f"{original(self)}+inner", wraps=True)
    outer = Patch(Base, "greet", lambda original, self: f"{original(self)}+outer", wraps=True)
    group = PatchGroup("chain", "chained", ("Greet",), ("https://example.invalid",), lambda: [inner, outer])

    group.apply()
    assert Base().greet() == "base+inner+outer"
    group.undo()

    assert Base().greet() == "base"


def test_a_failed_apply_undoes_what_it_applied_and_leaves_earlier_patches_alone() -> None:
    earlier = Patch(Base, "greet", replacement)
    earlier.apply()
    first = Patch(Child, "own", staticmethod(lambda: "patched"))
    broken = Patch(Child, "missing", lambda original, self: None, wraps=True)  # nothing to extend

    with pytest.raises(PatchError, match="not a method"):
        apply_all([earlier, first, broken])

    assert not first.applied and Child.own() == "own"
    assert not broken.applied and not hasattr(Child, "missing")
    assert earlier.applied  # applied before this call: not this call's to undo
    earlier.undo()


def test_a_registry_whose_second_group_fails_undoes_the_first() -> None:
    good = PatchGroup(
        "good", "fine", ("A",), ("https://example.invalid",), lambda: [Patch(Base, "greet", replacement)]
    )
    bad = PatchGroup(
        "bad",
        "broken",
        ("B",),
        ("https://example.invalid",),
        lambda: [Patch(Child, "nope", replacement, wraps=True)],
    )
    registry = PatchRegistry([good, bad])

    with pytest.raises(PatchError):
        registry.apply()

    assert not registry.applied
    assert Base().greet() == "base"


def test_undo_refuses_to_drop_a_replacement_made_after_the_patch_and_still_undoes_the_rest() -> None:
    first = Patch(Base, "greet", replacement)
    second = Patch(Child, "own", staticmethod(lambda: "patched"))
    group = PatchGroup("g", "b", ("A",), ("https://example.invalid",), lambda: [first, second])
    group.apply()
    ours = vars(Base)["greet"]
    Base.greet = lambda self: "someone else"  # type: ignore[method-assign]

    with pytest.raises(PatchError, match="replaced after this patch"):
        PatchRegistry([group]).undo()

    assert Base().greet() == "someone else"  # not silently dropped
    assert not second.applied and Child.own() == "own"
    Base.greet = ours  # type: ignore[method-assign]  # the foreign replacement is undone by its owner
    first.undo()


def test_two_groups_of_one_name_are_refused() -> None:
    group = PatchGroup("same", "b", ("A",), ("https://example.invalid",), list)

    with pytest.raises(PatchError, match="already registered"):
        PatchRegistry([group, PatchGroup("same", "c", ("B",), ("https://example.invalid",), list)])
