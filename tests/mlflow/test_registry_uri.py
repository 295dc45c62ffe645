"""The ``modelops://`` registry URI: what it selects, and the one-line refusals of what it cannot mean."""

from __future__ import annotations

import pytest

from modelops.mlflow_registry import RegistryUriError, parse_registry_uri, registry_uri


def test_the_uri_names_the_governed_groups_and_the_bucket() -> None:
    target = parse_registry_uri("modelops://diabetes-progression,churn?artifact_bucket=b1")
    assert (target.groups, target.artifact_bucket, target.read_only) == (
        ("diabetes-progression", "churn"),
        "b1",
        False,
    )
    assert parse_registry_uri(registry_uri(["g"], "b") + "&read_only=true").read_only


def test_without_groups_or_bucket_the_environment_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELOPS_MODEL_PACKAGE_GROUP", "house-prices")
    monkeypatch.setenv("MODELOPS_ARTIFACT_BUCKET", "artifacts")
    target = parse_registry_uri("modelops://")
    assert (target.groups, target.artifact_bucket) == (("house-prices",), "artifacts")
    monkeypatch.delenv("MODELOPS_MODEL_PACKAGE_GROUP")
    assert parse_registry_uri("modelops://").groups == ("diabetes-progression",)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("sqlite:///x.db", "is not a modelops:// registry URI"),
        ("modelops://g/extra", "(no path)"),
        ("modelops://g?bucket=b", "unknown parameter bucket"),
        ("modelops://under_score", "1-63 letters, digits and hyphens"),
    ],
)
def test_a_uri_it_cannot_mean_is_refused_in_one_line(uri: str, message: str) -> None:
    with pytest.raises(RegistryUriError) as refused:
        parse_registry_uri(uri)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_names_are_checked_against_the_rule_and_the_governed_groups() -> None:
    target = parse_registry_uri("modelops://diabetes-progression")
    assert target.check_name("diabetes-progression") == "diabetes-progression"
    with pytest.raises(RegistryUriError, match="register into diabetes-progression"):
        target.check_name("Diabetes-Progression")
    with pytest.raises(RegistryUriError, match="no underscores"):
        target.check_name("x" * 64)
