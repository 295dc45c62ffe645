"""Named, reversible patches of moto's classes (LocalStack's ``localstack/utils/patch.py`` idea).

A :class:`Patch` replaces (or adds) one attribute of one class; ``apply()`` records what the class itself held
under that name, or that it held nothing (the attribute was inherited or absent), and ``undo()`` puts exactly
that back: the same object, or no attribute of its own. A :class:`PatchGroup` is the set of patches that adds
one AWS behaviour, with the API operations it covers and the reference pages it follows, so the embedded AWS
can be read (and listed: ``modelops local patches``) behaviour by behaviour. Nothing is applied at import.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

_ABSENT = object()  # the class had no attribute of its own under the name


class PatchError(RuntimeError):
    """A patch cannot be applied or undone as asked (the target is missing, or was replaced by someone else)."""


class Patch:
    """Set ``owner.name`` to ``value`` on ``apply()``; restore exactly what was there on ``undo()``.

    ``wraps=True``: ``value`` is called as ``value(original, self, *args, **kwargs)``, where ``original`` is
    what ``owner.name`` resolved to when the patch was applied (inherited or the class's own), so a patch can
    extend moto's method instead of copying it. Applying an applied patch, or undoing one that is not applied,
    does nothing.
    """

    def __init__(self, owner: type, name: str, value: Any, *, wraps: bool = False) -> None:
        self.owner, self.name, self.value, self.wraps = owner, name, value, wraps
        self._saved: Any = _ABSENT
        self._installed: Any = None
        self.applied = False

    @property
    def target(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"

    def apply(self) -> None:
        if self.applied:
            return
        self._saved = vars(self.owner).get(self.name, _ABSENT)
        self._installed = self._wrapper() if self.wraps else self.value
        setattr(self.owner, self.name, self._installed)
        self.applied = True

    def undo(self) -> None:
        if not self.applied:
            return
        if vars(self.owner).get(self.name, _ABSENT) is not self._installed:
            # Restoring now would silently drop whatever replaced ours (a later patch not undone first).
            raise PatchError(f"{self.target} was replaced after this patch was applied; undo that first")
        if self._saved is _ABSENT:
            delattr(self.owner, self.name)
        else:
            setattr(self.owner, self.name, self._saved)
        self._saved, self._installed, self.applied = _ABSENT, None, False

    def _wrapper(self) -> Callable[..., Any]:
        original = getattr(self.owner, self.name, None)
        if not callable(original):
            raise PatchError(f"{self.target} is not a method that a wrapping patch can extend")
        value = self.value

        @functools.wraps(value)
        def wrapper(instance: Any, *args: Any, **kwargs: Any) -> Any:
            return value(original, instance, *args, **kwargs)

        return wrapper

    def __repr__(self) -> str:
        return f"Patch({self.target}, applied={self.applied})"


@dataclass
class PatchGroup:
    """The patches that add one AWS behaviour, what they cover and where AWS documents it.

    ``build`` makes the patches when the group is first applied or listed (it imports moto's classes).
    """

    name: str
    behaviour: str
    operations: tuple[str, ...]
    references: tuple[str, ...]
    build: Callable[[], list[Patch]]
    _patches: list[Patch] | None = field(default=None, init=False, repr=False)

    @property
    def patches(self) -> list[Patch]:
        if self._patches is None:
            self._patches = self.build()
        return self._patches

    @property
    def applied(self) -> bool:
        return any(p.applied for p in self.patches)

    def apply(self) -> None:
        """Apply every patch (idempotent); if one fails, undo those this call applied and re-raise."""
        apply_all(self.patches)

    def undo(self) -> None:
        undo_all(self.patches)


class PatchRegistry:
    """Patch groups by name, applied in the order registered and undone in the reverse order.

    Order matters where two groups extend the same method (``clock`` and ``faults`` both wrap moto's
    ``BaseResponse.call_action``): the group registered later wraps the earlier one.
    """

    def __init__(self, groups: Iterable[PatchGroup] = ()) -> None:
        self._groups: dict[str, PatchGroup] = {}
        for group in groups:
            self.register(group)

    def register(self, group: PatchGroup) -> PatchGroup:
        if group.name in self._groups:
            raise PatchError(f"a patch group named {group.name!r} is already registered")
        self._groups[group.name] = group
        return group

    def __iter__(self) -> Iterator[PatchGroup]:
        return iter(list(self._groups.values()))

    def __getitem__(self, name: str) -> PatchGroup:
        return self._groups[name]

    def names(self) -> list[str]:
        return list(self._groups)

    @property
    def applied(self) -> bool:
        return any(group.applied for group in self)

    def apply(self) -> None:
        """Apply every group (idempotent); if one fails, undo what this call applied and re-raise."""
        apply_all([patch for group in self for patch in group.patches])

    def undo(self) -> None:
        """Undo every group, last applied first."""
        undo_all([patch for group in self for patch in group.patches])


def apply_all(patches: Iterable[Patch]) -> None:
    """Apply the patches in order; if one fails, undo those this call applied (last first) and re-raise.

    Patches already applied are left as they are, so applying twice changes nothing.
    """
    done: list[Patch] = []
    try:
        for patch in patches:
            if not patch.applied:
                patch.apply()
                done.append(patch)
    except BaseException:
        for patch in reversed(done):
            patch.undo()
        raise


def undo_all(patches: Iterable[Patch]) -> None:
    """Undo the patches, last first; every one is tried, and the first refusal is raised at the end."""
    refused: list[PatchError] = []
    for patch in reversed(list(patches)):
        try:
            patch.undo()
        except PatchError as error:
            refused.append(error)
    if refused:
        raise refused[0]
