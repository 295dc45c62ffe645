"""AWS API calls the deployer makes from an event to CreateEndpoint/UpdateEndpoint (target: at most 8 each).

Runs the deployment functions the Lambdas call, on the embedded AWS, with a counter on every client, for
the four paths: first and later deployment, to staging and to production.

    .venv/bin/python bench/deploy_api_calls.py
"""

from __future__ import annotations

from typing import Any

from modelops.contract import lifecycle as lc
from modelops.deploy.clients import Clients
from modelops.deploy.production import deploy_production
from modelops.deploy.settings import DeploySettings
from modelops.deploy.staging import deploy_staging
from modelops.local.embedded import EmbeddedAWS, embedded_aws
from modelops.registry import ModelRegistry

GROUP = "diabetes-progression"
TARGET = 8
STOP = ("CreateEndpoint", "UpdateEndpoint")


class Counter:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls.append(model.name)

    def until_endpoint_call(self) -> list[str]:
        for index, name in enumerate(self.calls):
            if name in STOP:
                return self.calls[: index + 1]
        raise RuntimeError(f"no CreateEndpoint/UpdateEndpoint among {self.calls}")


def counted_clients(aws: EmbeddedAWS, counter: Counter) -> Clients:
    clients = Clients(*(aws.client(s) for s in ("sagemaker", "sagemaker-runtime", "s3", "sns", "cloudwatch")))
    for client in (clients.sagemaker, clients.runtime, clients.s3, clients.sns):
        client.meta.events.register("before-call", counter)
    return clients


def main() -> None:
    with embedded_aws(None) as aws:
        sm = aws.client("sagemaker")
        sm.create_model_package_group(ModelPackageGroupName=GROUP)
        topic = aws.client("sns").create_topic(Name="lifecycle")["TopicArn"]
        settings = DeploySettings(
            project_name="modelops",
            group_name=GROUP,
            topic_arn=topic,
            execution_role_arn=f"arn:aws:iam::{aws.account_id}:role/serve",
            staging_endpoint="modelops-staging",
            production_endpoint="modelops-production",
            rollback_alarms=("modelops-production-5xx-errors", "modelops-production-model-latency"),
        )
        registry = ModelRegistry(sm, GROUP)
        rows = []
        for number in (1, 2):
            version = registry.register_version(
                image="sklearn:1",
                model_data_url=f"s3://b/v{number}/model.tar.gz",
                metrics={lc.PRIMARY_METRIC: 60.0 - number},
            )
            registry.approve_version(version.version, "bench")
            for environment, deploy in (("staging", deploy_staging), ("production", deploy_production)):
                if environment == "production":
                    sm.update_model_package(
                        ModelPackageArn=version.arn,
                        ModelLifeCycle={"Stage": lc.STAGE_PRODUCTION, "StageStatus": lc.STATUS_APPROVED},
                        CustomerMetadataProperties={lc.META_STAGING_VERIFICATION: "passed (bench)"},
                    )
                counter = Counter()
                deploy(counted_clients(aws, counter), settings, version.arn)
                aws.clock.fast_forward()  # the endpoint reaches InService before the next deployment
                calls = counter.until_endpoint_call()
                rows.append((environment, "create" if number == 1 else "update", calls))
        print(f"{'path':<22} {'calls':>5}  sequence")
        for environment, kind, calls in rows:
            print(f"{environment + ' ' + kind:<22} {len(calls):>5}  {' > '.join(calls)}")
        worst = max(len(calls) for *_, calls in rows)
        print(f"worst: {worst} calls (target: at most {TARGET}) -> {'OK' if worst <= TARGET else 'OVER'}")


if __name__ == "__main__":
    main()
