"""Every ``modelops`` command against the embedded AWS: tables, JSON, exit status 0 / 1 / 2, one-line errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from modelops.cli import main
from modelops.contract import lifecycle
from modelops.registry import ModelRegistry
from tests.registry.conftest import GROUP, populate, register, snapshot
from tests.registry.test_status import serve


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def ok(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def error_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def populated(registry: ModelRegistry) -> ModelRegistry:
    return populate(registry)


def test_versions_lists_newest_first_as_a_table_and_as_json(populated: ModelRegistry) -> None:
    table = ok("versions").splitlines()
    assert table[0].split() == ["VERSION", "APPROVAL", "STAGE", "RMSE", "CREATED", "COMMIT", "DATA"]
    assert [line.split()[0] for line in table[1:]] == ["4", "3", "2", "1"]
    assert table[1].split()[1:4] == ["PendingManualApproval", "Development/Registered", "56"]
    assert table[4].split()[1:3] == ["Approved", "Archived/Retired"]
    listed = json.loads(ok("versions", "--json", "--status", "Approved", "--max", "rmse=58"))
    assert [v["version"] for v in listed] == [3, 2]
    assert listed[0]["metrics"]["rmse"] == 57.0


def test_versions_with_nothing_matching_says_so(populated: ModelRegistry) -> None:
    assert ok("versions", "--stage", "Archived", "--min", "rmse=100").strip() == "no versions match"


def test_show_prints_every_recorded_field(populated: ModelRegistry) -> None:
    text = ok("show", "production")
    fields = dict(line.split(None, 1) if "  " in line else (line, "") for line in text.splitlines())
    assert "version" in text.splitlines()[0] and text.splitlines()[0].split()[-1] == "2"
    assert "Production/Deployed" in text
    assert "c0ffee0002" in text
    assert "metric rmse" in text
    assert "hyperparameter n_estimators" in text
    assert fields
    shown = json.loads(ok("show", f"models:/{GROUP}@staging", "--json"))
    assert (shown["version"], shown["stage"], shown["stage_status"]) == (3, "Staging", "Passed")


def test_diff_shows_metrics_with_deltas_and_marks_changes(populated: ModelRegistry) -> None:
    text = ok("diff", "1", "2")
    rmse = next(line for line in text.splitlines() if line.startswith("rmse"))
    assert rmse.split() == ["rmse", "59", "58", "-1", "*"]
    depth = next(line for line in text.splitlines() if line.startswith("max_depth"))
    assert depth.split() == ["max_depth", "3", "3"]
    as_json = json.loads(ok("diff", "1", "2", "--json"))
    assert as_json["metrics"]["rmse"]["delta"] == -1.0
    assert as_json["fields"]["stage"] == {
        "a": "Archived/Retired",
        "b": "Production/Deployed",
        "changed": True,
    }


def test_approve_and_reject_record_the_reason(populated: ModelRegistry) -> None:
    assert ok("approve", "4", "--reason", "rmse 56 is the best yet").strip() == (
        "version 4: Approved (rmse 56 is the best yet)"
    )
    assert populated.get_version(4).approval_description == "rmse 56 is the best yet"
    assert "already Approved; nothing changed" in ok("approve", "4", "--reason", "again")
    rejected = json.loads(ok("reject", "3", "--reason", "bias on the holdout", "--json"))
    assert (rejected["approval_status"], rejected["approval_description"]) == (
        "Rejected",
        "bias on the holdout",
    )


def test_rejected_version_needs_override_on_the_command_line(
    populated: ModelRegistry, sagemaker: Any
) -> None:
    ok("reject", "4", "--reason", "no")
    before = snapshot(sagemaker)
    result = run("approve", "4", "--reason", "yes")
    assert result.exit_code == 1
    assert "override" in error_line(result)
    assert snapshot(sagemaker) == before
    assert "Approved" in ok("approve", "4", "--reason", "yes after all", "--override")


def test_promote_and_rollback(populated: ModelRegistry) -> None:
    assert "version 3: Production/Approved" in ok("promote", "staging", "--reason", "verified")
    rolled = json.loads(ok("rollback", "--reason", "latency", "--json"))
    assert (rolled["version"], rolled["stage_status"]) == (1, lifecycle.STATUS_ROLLBACK_REQUESTED)
    assert rolled["stage_description"] == "rollback from version 2: latency"


def test_history_without_an_audit_log_says_so_in_one_line(populated: ModelRegistry) -> None:
    # The history is the audit log's (tests/audit); a group without one has no history to show.
    result = run("history")
    assert result.exit_code == 1
    assert "no audit log /modelops/audit/" in error_line(result)


def test_resolve_prints_the_arn_for_each_reference_form(populated: ModelRegistry) -> None:
    arn = {number: populated.get_version(number).arn for number in (1, 2, 3, 4)}
    expected = {
        "2": arn[2],
        "latest": arn[4],
        "latest-approved": arn[3],
        "staging": arn[3],
        "production": arn[2],
        arn[1]: arn[1],
        f"models:/{GROUP}/1": arn[1],
        f"models:/{GROUP}/latest": arn[4],
        f"models:/{GROUP}@staging": arn[3],
        f"models:/{GROUP}@production": arn[2],
        f"models:/{GROUP}@latest-approved": arn[3],
    }
    for reference, resolved in expected.items():
        assert ok("resolve", reference).strip() == resolved, reference
    assert json.loads(ok("resolve", "latest", "--json")) == {"reference": "latest", "arn": arn[4]}


def test_a_models_uri_chooses_its_group(sagemaker: Any) -> None:
    sagemaker.create_model_package_group(ModelPackageGroupName="churn")
    register(ModelRegistry(sagemaker, "churn"), 1)
    assert ok("resolve", "models:/churn/1").strip().endswith("model-package/churn/1")
    result = run("resolve", "models:/churn/1", "--group", GROUP)
    assert result.exit_code == 1
    assert "--group churn" in error_line(result)


def test_status_shows_endpoints_next_to_the_registry(populated: ModelRegistry, sagemaker: Any) -> None:
    serve(sagemaker, "production", populated.get_version(1).arn)  # drifted: the registry says v2
    table = ok("status").splitlines()
    assert table[0].split() == ["ENVIRONMENT", "ENDPOINT", "STATUS", "SERVES", "REGISTRY", "SAYS", "DRIFT"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows["production"] == [
        "production",
        "modelops-production",
        "InService",
        f"{GROUP}/1",
        f"{GROUP}/2",
        "DRIFT",
    ]
    assert rows["staging"] == ["staging", "modelops-staging", "absent", "-", f"{GROUP}/3", "DRIFT"]
    as_json = json.loads(ok("status", "--json", "--project", "modelops"))
    assert [s["drift"] for s in as_json] == [True, True]


def test_an_aws_refusal_is_one_line_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "x")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = run("versions")
    assert result.exit_code == 1
    assert "AWS call failed" in error_line(result)


def test_help_lists_every_command_without_importing_the_embedded_aws() -> None:
    text = ok("--help")
    for command in (
        "versions",
        "show",
        "diff",
        "approve",
        "reject",
        "promote",
        "rollback",
        "history",
        "resolve",
        "status",
        "local",
    ):
        assert f"  {command} " in text


def test_no_region_is_one_line_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/modelops-test-config")
    result = run("resolve", "latest")
    assert result.exit_code == 1
    assert "no AWS region: pass --region" in error_line(result)


def test_group_and_project_default_from_the_environment(
    sagemaker: Any, registry: ModelRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(registry, 1)
    sagemaker.create_model_package_group(ModelPackageGroupName="churn")
    register(ModelRegistry(sagemaker, "churn"), 2)
    assert [line.split()[0] for line in ok("versions").splitlines()[1:]] == ["1"]
    monkeypatch.setenv("MODELOPS_MODEL_PACKAGE_GROUP", "churn")
    assert [line.split()[0] for line in ok("versions").splitlines()[1:]] == ["2", "1"]
    monkeypatch.setenv("MODELOPS_PROJECT", "fraud")
    assert [s["endpoint_name"] for s in json.loads(ok("status", "--json"))] == [
        "fraud-staging",
        "fraud-production",
    ]


def test_diff_table_shortens_long_values_keeping_the_tail_where_versions_differ(
    registry: ModelRegistry,
) -> None:
    long_prefix = "s3://modelops-registry-modelregistryartifactbucket1ac643e6/pipelines/modelops-training"
    register(registry, model_data_url=f"{long_prefix}/ervz64bzsz1i/model/model.tar.gz")
    register(registry, model_data_url=f"{long_prefix}/mbec1hdsnvvd/model/model.tar.gz")

    table = ok("diff", "1", "2")
    (row,) = [line for line in table.splitlines() if line.startswith("model_data_url")]
    assert "…/ervz64bzsz1i/model/model.tar.gz" in row and "…/mbec1hdsnvvd/model/model.tar.gz" in row
    assert max(len(line) for line in table.splitlines()) < 160

    fields = json.loads(ok("diff", "1", "2", "--json"))["fields"]
    assert fields["model_data_url"]["a"] == f"{long_prefix}/ervz64bzsz1i/model/model.tar.gz"
