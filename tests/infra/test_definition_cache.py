"""The pipeline definition cache: a hit gives exactly what a build gives; any change of input builds anew."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from infra.constructs import definition_cache
from tests.infra.synth import synth


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(definition_cache, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.delenv(definition_cache.DISABLE_VARIABLE, raising=False)
    return tmp_path / "cache"


def _builder(calls: list[str], body: str) -> Callable[[], str]:
    def build() -> str:
        calls.append(body)
        return body

    return build


def test_a_second_request_with_the_same_inputs_is_served_from_the_cache(cache_dir: Path) -> None:
    calls: list[str] = []
    first = definition_cache.cached_definition({"a": 1}, _builder(calls, "one"))
    second = definition_cache.cached_definition({"a": 1}, _builder(calls, "never built"))
    assert (first, second, calls) == ("one", "one", ["one"])
    assert definition_cache.entry_for({"a": 1}).is_file()


def test_other_inputs_are_built_anew(cache_dir: Path) -> None:
    calls: list[str] = []
    definition_cache.cached_definition({"a": 1}, _builder(calls, "one"))
    assert definition_cache.cached_definition({"a": 2}, _builder(calls, "two")) == "two"
    assert calls == ["one", "two"]


def test_changed_sources_never_hit_an_old_entry(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    definition_cache.cached_definition({"a": 1}, _builder(calls, "old code"))
    monkeypatch.setattr(definition_cache, "sources_digest", lambda: "another-commit")
    assert not definition_cache.entry_for({"a": 1}).is_file()
    assert definition_cache.cached_definition({"a": 1}, _builder(calls, "new code")) == "new code"


def test_the_cache_can_be_switched_off(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(definition_cache.DISABLE_VARIABLE, "off")
    calls: list[str] = []
    definition_cache.cached_definition({"a": 1}, _builder(calls, "one"))
    definition_cache.cached_definition({"a": 1}, _builder(calls, "one"))
    assert calls == ["one", "one"]
    assert not cache_dir.exists()


def test_a_cached_synth_gives_the_bytes_of_an_uncached_one(
    cache_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synth(outdir=tmp_path / "filling")
    synth(outdir=tmp_path / "cached")
    assert list(cache_dir.glob("*.json")), "the first synth should have filled the cache"
    monkeypatch.setenv(definition_cache.DISABLE_VARIABLE, "off")
    synth(outdir=tmp_path / "uncached")
    names = sorted(path.name for path in (tmp_path / "cached").glob("*.template.json"))
    assert any(name.endswith("-pipeline.template.json") for name in names)
    for name in names:
        assert (tmp_path / "cached" / name).read_bytes() == (tmp_path / "uncached" / name).read_bytes(), name
