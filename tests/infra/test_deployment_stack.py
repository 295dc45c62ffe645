"""DeploymentStack: rules, deployer Lambdas, dead-letter queues, alarms, IAM, and the Lambda bundle."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.constructs import lambda_bundle
from modelops.contract import lifecycle
from modelops.contract import names as env
from tests.deploy.app import synth_to
from tests.infra.synth import cfn_lint

# The default stage has the shadow gate off: no evaluator (test_shadow_gate_stack.py covers a stage with it on).
HANDLERS = tuple(h for h in lambda_bundle.HANDLERS if h != "evaluate_shadow")


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_to(tmp_path_factory.mktemp("deployment"))  # cdk-nag runs here and raises on any finding


@pytest.fixture(scope="module")
def prod_outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_to(tmp_path_factory.mktemp("deployment-prod"), {"stage": "prod"})


def _template(outdir: Path, project: str = "modelops") -> Template:
    return Template.from_json(json.loads((outdir / f"{project}-deployment.template.json").read_text()))


def _functions(t: Template) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["Handler"].split(".")[-2]: r
        for r in t.find_resources("AWS::Lambda::Function").values()
    }


def test_one_rule_per_event_type_on_the_default_bus_with_the_group_and_endpoint_patterns(
    outdir: Path,
) -> None:
    t = _template(outdir)
    patterns = [r["Properties"]["EventPattern"] for r in t.find_resources("AWS::Events::Rule").values()]
    assert all("EventBusName" not in r["Properties"] for r in t.find_resources("AWS::Events::Rule").values())
    package = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Package State Change"]}
    endpoint = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Endpoint State Change"]}
    group = {"ModelPackageGroupName": ["diabetes-progression"]}
    assert sorted(patterns, key=json.dumps) == sorted(
        [
            {
                **package,
                "detail": {
                    **group,
                    "ModelApprovalStatus": [lifecycle.APPROVED],
                    # Only the stages deploy_staging acts on: never staged, or staging failed and approved again.
                    "$or": [
                        {"ModelLifeCycle": {"Stage": [{"exists": False}]}},
                        {"ModelLifeCycle": {"Stage": [lifecycle.STAGE_DEVELOPMENT]}},
                        {
                            "ModelLifeCycle": {
                                "Stage": [lifecycle.STAGE_STAGING],
                                "StageStatus": [lifecycle.STATUS_FAILED],
                            }
                        },
                    ],
                },
            },
            {**package, "detail": {**group, "ModelApprovalStatus": [lifecycle.REJECTED]}},
            {
                **package,
                "detail": {
                    **group,
                    "ModelLifeCycle": {
                        "Stage": [lifecycle.STAGE_PRODUCTION],
                        "StageStatus": [lifecycle.STATUS_APPROVED, lifecycle.STATUS_ROLLBACK_REQUESTED],
                    },
                },
            },
            {**endpoint, "detail": {"EndpointName": ["modelops-staging"]}},
            {**endpoint, "detail": {"EndpointName": ["modelops-production"]}},
        ],
        key=json.dumps,
    )


def test_every_rule_target_retries_and_dead_letters_and_every_queue_has_an_alarm(outdir: Path) -> None:
    t = _template(outdir)
    for rule in t.find_resources("AWS::Events::Rule").values():
        (target,) = rule["Properties"]["Targets"]
        assert target["RetryPolicy"] == {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}
        assert "DeadLetterConfig" in target
    queues = t.find_resources("AWS::SQS::Queue")
    assert len(queues) == len(HANDLERS)
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    t.resource_properties_count_is(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
        len(HANDLERS),
    )
    dlq_alarms = [
        a
        for a in t.find_resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    ]
    assert len(dlq_alarms) == len(HANDLERS)
    for function in _functions(t).values():
        assert "DeadLetterConfig" in function["Properties"]
    t.resource_count_is("AWS::Lambda::EventInvokeConfig", len(HANDLERS))


def test_lambdas_run_the_newest_python_with_the_handler_paths_and_environment_only_config(
    outdir: Path,
) -> None:
    functions = _functions(_template(outdir))
    assert sorted(functions) == sorted(HANDLERS)
    for name, function in functions.items():
        props = function["Properties"]
        assert props["Runtime"] == "python3.14"
        assert props["Handler"] == f"modelops.deploy.handlers.{name}.handler"
        variables = props["Environment"]["Variables"]
        assert variables[env.ENV_STAGING_ENDPOINT] == "modelops-staging"
        assert variables[env.ENV_PRODUCTION_ENDPOINT] == "modelops-production"
        assert (
            variables[env.ENV_ROLLBACK_ALARMS]
            == "modelops-production-5xx-errors,modelops-production-model-latency"
        )
        assert variables[env.ENV_PRODUCTION_TRAFFIC_SHIFTING] == "canary"
        assert variables[env.ENV_DATA_CAPTURE_URI] == ""  # off in the default stage
        assert "Layers" not in props  # Powertools is vendored: see infra/constructs/lambda_bundle.py


def test_production_alarms_watch_errors_and_latency_under_the_names_the_lambdas_use(outdir: Path) -> None:
    t = _template(outdir)
    dimensions = [
        {"Name": "EndpointName", "Value": "modelops-production"},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "modelops-production-5xx-errors",
            "MetricName": "Invocation5XXErrors",
            "Namespace": "AWS/SageMaker",
            "Dimensions": dimensions,
            "Threshold": 0,
        },
    )
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "AlarmName": "modelops-production-model-latency",
            "MetricName": "ModelLatency",
            "Dimensions": dimensions,
            "Threshold": 500_000,
        },
    )  # microseconds: the 500 ms budget


def _statements(t: Template, role_prefix: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in t.find_resources("AWS::IAM::Policy").values():
        roles = json.dumps(policy["Properties"]["Roles"])
        if role_prefix in roles:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


ROLE_OF = {
    "deploy_staging": "ApprovalDeployerStagingRole",
    "verify_staging": "ApprovalDeployerStagingRole",
    "deploy_production": "ApprovalDeployerProductionRole",
    "finalize_production": "ApprovalDeployerProductionRole",
    "notify_rejected": "ApprovalDeployerNotifierRole",
}


def _by_sid(t: Template, role_prefix: str) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in _statements(t, role_prefix) if s.get("Sid")}


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        action = statement["Action"]
        actions.update([action] if isinstance(action, str) else action)
    return actions


def test_each_handler_runs_with_the_role_of_the_endpoint_it_acts_on(outdir: Path) -> None:
    functions = _functions(_template(outdir))
    assert sorted(ROLE_OF) == sorted(functions)
    for handler, role in ROLE_OF.items():
        (logical_id, attribute) = functions[handler]["Properties"]["Role"]["Fn::GetAtt"]
        assert logical_id.startswith(role) and attribute == "Arn", handler


def test_each_deployer_may_pass_only_its_own_stage_model_execution_role_to_sagemaker(outdir: Path) -> None:
    t = _template(outdir)
    for role, execution_role in (
        ("ApprovalDeployerStagingRole", "StagingModelExecutionRole"),
        ("ApprovalDeployerProductionRole", "ModelExecutionRole"),
    ):
        (pass_role,) = [s for s in _statements(t, role) if s["Action"] == "iam:PassRole"]
        (logical_id, attribute) = pass_role["Resource"]["Fn::GetAtt"]
        assert logical_id.startswith(execution_role) and attribute == "Arn"
        assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}
    assert "iam:PassRole" not in _actions(_statements(t, "ApprovalDeployerNotifierRole"))


def test_the_staging_role_changes_only_staging_and_only_reads_what_production_serves(outdir: Path) -> None:
    statements = _by_sid(_template(outdir), "ApprovalDeployerStagingRole")
    managed = json.dumps(statements["ManageEndpoint"]["Resource"])
    assert ":endpoint/modelops-staging" in managed and "modelops-production" not in managed
    assert ":endpoint-config/modelops-stag-v*" in managed and ":endpoint/modelops-*" not in managed
    created = json.dumps(statements["CreateModelsAndConfigs"]["Resource"])
    assert ":model/modelops-stag-v*" in created and "modelops-prod" not in created
    tagged = json.dumps(statements["TagWhatItServes"]["Resource"])
    assert "modelops-production" not in tagged and "modelops-prod-" not in tagged
    champion = statements["ReadChampion"]
    assert sorted(champion["Action"]) == ["sagemaker:DescribeEndpoint", "sagemaker:ListTags"]
    assert json.dumps(champion["Resource"]).count(":endpoint/modelops-production") == 1
    assert json.dumps(statements["VerifyStaging"]["Resource"]).count(":endpoint/modelops-staging") == 1
    records = [
        statements[sid]
        for sid in ("RecordStagingDeploys", "RecordStagingPassed", "RejectFailedStagingVersions")
    ]
    for record in records:
        assert ":model-package/diabetes-progression/*" in json.dumps(record["Resource"])
        assert (
            record["Condition"]["StringEquals"]["sagemaker:ModelLifeCycle:Stage"] == lifecycle.STAGE_STAGING
        )
    # Passed only from Staging/Deploying, and only the staging deployer writes the verification record.
    passed = statements["RecordStagingPassed"]["Condition"]
    assert passed["StringEquals"]["sagemaker:CurrentModelLifeCycleStageStatus"] == lifecycle.STATUS_DEPLOYING
    assert f"sagemaker:CustomerMetadataProperties/{lifecycle.META_STAGING_VERIFICATION}" not in passed["Null"]
    assert (
        passed["Null"][f"sagemaker:CustomerMetadataProperties/{lifecycle.META_PRODUCTION_SERVED}"] == "true"
    )


def test_the_production_role_changes_only_production_invokes_nothing_and_never_sets_approval(
    outdir: Path,
) -> None:
    t = _template(outdir)
    statements = _by_sid(t, "ApprovalDeployerProductionRole")
    managed = json.dumps(statements["ManageEndpoint"]["Resource"])
    assert ":endpoint/modelops-production" in managed and "modelops-staging" not in managed
    assert "modelops-staging" not in json.dumps(statements["TagWhatItServes"]["Resource"])
    actions = _actions(_statements(t, "ApprovalDeployerProductionRole"))
    assert "sagemaker:InvokeEndpoint" not in actions
    # It reads an artifact's current S3 version (the verified-artifact check), nothing else of S3.
    assert {a for a in actions if a.startswith("s3:")} == {"s3:GetObject"}
    assert "/*" in json.dumps(statements["CheckVerifiedArtifacts"]["Resource"])
    for sid in (
        "StartRequestedProductionDeploys",
        "RecordProductionOutcomes",
        "ArchiveReplacedProductionVersions",
    ):
        condition = statements[sid]["Condition"]
        assert condition["Null"]["sagemaker:ModelApprovalStatus"] == "true"
        # Only from a version the approver sent to production (or one it ran): the Current* stage.
        assert condition["StringEquals"]["sagemaker:CurrentModelLifeCycleStage"] == lifecycle.STAGE_PRODUCTION
        verification = f"sagemaker:CustomerMetadataProperties/{lifecycle.META_STAGING_VERIFICATION}"
        assert condition["Null"][verification] == "true"


def test_the_notifier_role_reads_versions_publishes_and_marks_metadata_only(outdir: Path) -> None:
    t = _template(outdir)
    statements = _statements(t, "ApprovalDeployerNotifierRole")
    sagemaker_actions = {a for a in _actions(statements) if a.startswith("sagemaker:")}
    assert sagemaker_actions == {"sagemaker:DescribeModelPackage", "sagemaker:UpdateModelPackage"}
    assert ":endpoint" not in json.dumps(statements)
    condition = _by_sid(t, "ApprovalDeployerNotifierRole")["MarkRejectionNotified"]["Condition"]
    assert condition["Null"]["sagemaker:ModelApprovalStatus"] == "true"
    assert condition["Null"]["sagemaker:ModelLifeCycle:Stage"] == "true"
    assert (
        f"sagemaker:CustomerMetadataProperties/{lifecycle.META_REJECTION_NOTIFIED}" not in condition["Null"]
    )
    for key in (lifecycle.META_STAGING_VERIFICATION, lifecycle.META_PRODUCTION_SERVED, "metric.rmse"):
        assert condition["Null"][f"sagemaker:CustomerMetadataProperties/{key}"] == "true"


def test_no_deployer_role_holds_a_service_wildcard_and_only_search_is_unscoped(outdir: Path) -> None:
    t = _template(outdir)
    for role in set(ROLE_OF.values()):
        statements = _by_sid(t, role)
        if "FindWaitingVersions" in statements:
            assert statements["FindWaitingVersions"] == {
                "Sid": "FindWaitingVersions",
                "Effect": "Allow",
                "Action": "sagemaker:Search",
                "Resource": "*",
            }
        if "ReadModelLatency" in statements:  # GetMetricStatistics has no resource type: "*" is all IAM takes
            assert statements["ReadModelLatency"]["Action"] == "cloudwatch:GetMetricStatistics"
        unscoped = ("FindWaitingVersions", "ReadModelLatency")
        scoped = json.dumps([s for sid, s in statements.items() if sid not in unscoped])
        assert '"sagemaker:*"' not in scoped and '"Resource": "*"' not in scoped, role


def test_templates_pass_cfn_lint(outdir: Path, prod_outdir: Path) -> None:
    result = cfn_lint(
        [outdir / "modelops-deployment.template.json", prod_outdir / "modelops-prod-deployment.template.json"]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dev_stage_asks_for_serverless_staging(tmp_path: Path) -> None:
    t = _template(synth_to(tmp_path, {"stage": "dev"}), "modelops-dev")
    variables = next(iter(_functions(t).values()))["Properties"]["Environment"]["Variables"]
    assert variables[env.ENV_STAGING_SERVERLESS] == "true"
    assert variables[env.ENV_STAGING_ENDPOINT] == "modelops-dev-staging"


def test_prod_stage_captures_production_data_to_the_artifact_bucket(prod_outdir: Path) -> None:
    t = _template(prod_outdir, "modelops-prod")
    variables = next(iter(_functions(t).values()))["Properties"]["Environment"]["Variables"]
    assert "data-capture/modelops-prod-production" in json.dumps(variables[env.ENV_DATA_CAPTURE_URI])
    assert variables[env.ENV_DATA_CAPTURE_KMS_KEY] != ""
    puts = [s for s in _statements(t, "ModelExecutionRole") if "s3:PutObject" in json.dumps(s["Action"])]
    assert puts and "/data-capture/*" in json.dumps(puts)


def test_bundle_holds_only_what_the_handlers_import(tmp_path: Path) -> None:
    bundle = lambda_bundle.build_bundle(tmp_path)
    files = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file())
    tops = {f.split("/")[0].removesuffix(".py") for f in files}
    assert tops == {"modelops", "aws_lambda_powertools", "typing_extensions"}
    assert not tops & lambda_bundle.FORBIDDEN
    assert not any(f.startswith(("modelops/local", "modelops/registry", "modelops/cli")) for f in files)
    assert all(f.endswith(".py") for f in files)
    # Every file is imported by some handler: load each handler from the bundle alone and compare.
    probe = (
        "import sys, importlib; sys.path.insert(0, sys.argv[1]);"
        "[importlib.import_module(m) for m in sys.argv[2:]];"
        "print('\\n'.join(sorted(m.__file__ for m in list(sys.modules.values())"
        " if getattr(m, '__file__', None) and m.__file__.startswith(sys.argv[1]))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-I", "-c", probe, str(bundle), *lambda_bundle.handler_modules()],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(str(Path(p).relative_to(bundle)) for p in loaded) == files
    size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
    assert size < 5 * 1024 * 1024


def test_bundle_is_deterministic(tmp_path: Path) -> None:
    first = lambda_bundle.build_bundle(tmp_path / "a")
    second = lambda_bundle.build_bundle(tmp_path / "b")
    assert first.name == second.name
    assert {p.relative_to(first): p.read_bytes() for p in first.rglob("*.py")} == {
        p.relative_to(second): p.read_bytes() for p in second.rglob("*.py")
    }


def test_the_rollback_alarms_are_readable_by_the_endpoint_role_and_the_production_deployer_only(
    outdir: Path,
) -> None:
    t = _template(outdir)
    alarms = {
        logical_id
        for logical_id, alarm in t.find_resources("AWS::CloudWatch::Alarm").items()
        if alarm["Properties"].get("AlarmName", "").startswith("modelops-production-")
    }
    assert len(alarms) == 2
    for role in ("ModelExecutionRole", "ApprovalDeployerProductionRole"):
        (read,) = [s for s in _statements(t, role) if s["Action"] == "cloudwatch:DescribeAlarms"]
        assert {r["Fn::GetAtt"][0] for r in read["Resource"]} == alarms, role
        assert all(r["Fn::GetAtt"][1] == "Arn" for r in read["Resource"])
    for role in ("ApprovalDeployerStagingRole", "ApprovalDeployerNotifierRole"):
        assert "cloudwatch:DescribeAlarms" not in _actions(_statements(t, role))
