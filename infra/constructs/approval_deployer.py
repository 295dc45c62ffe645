"""ApprovalDeployer: the EventBridge rules and Lambdas that turn registry events into deployments.

One rule and one Lambda per event type (``deployer_routes``; the code is ``modelops.deploy.handlers``),
each with retries and a dead-letter queue watched by an alarm (``deployer_function``), running as one of
three roles (``deployer_roles``). The code is ``modelops.deploy`` and what it imports, built by
``lambda_bundle`` at synth time; configuration reaches it only through environment variables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import cast

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.deployer_function import DeployerFunction
from infra.constructs.deployer_roles import DeployerGrants, deployer_roles
from infra.constructs.deployer_routes import (
    EVALUATOR_ROLE,
    NOTIFIER_ROLE,
    PRODUCTION_ROLE,
    STAGING_ROLE,
    routes,
)
from infra.constructs.governed_registry import GovernedRegistry
from infra.constructs.lambda_bundle import build_bundle
from modelops.contract import names


class ApprovalDeployer(Construct):
    """Rules on the default event bus for one model package group, and the deployer Lambdas they invoke.

    Props:
        registry: the group, its topic (notifications) and artifact bucket (sample payloads).
        project_name: prefix of every model, endpoint config and endpoint the deployer may touch; each
            endpoint stage has its own (``names.resource_prefix``).
        staging_endpoint_name / production_endpoint_name: the two endpoints it manages.
        staging_execution_role / production_execution_role: the roles SageMaker assumes to serve a model
            on each endpoint; each deployer may pass only its own stage's.
        environment: the deployer settings (``modelops.contract.names`` ENV_*), added to every Lambda.
        retry_attempts: how often EventBridge and Lambda retry an event whose handler fails (for instance
            because the endpoint is busy) before it goes to the dead-letter queue.
        rollback_alarms: the production endpoint's auto-rollback alarms, which the production deployer
            names in UpdateEndpoint and may read.
        shadow_gate: promoted versions are shadow-tested first: the production deployer may run inference
            experiments on its endpoint, and a scheduled evaluator with its own role judges them.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        registry: GovernedRegistry,
        project_name: str,
        staging_endpoint_name: str,
        production_endpoint_name: str,
        staging_execution_role: iam.IRole,
        production_execution_role: iam.IRole,
        environment: Mapping[str, str],
        retry_attempts: int = 2,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
        shadow_gate: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        group = registry.model_package_group_name
        self.roles = deployer_roles(self, group, shadow_gate=shadow_gate)
        code = lambda_.Code.from_asset(str(build_bundle()))
        self.functions: dict[str, lambda_.Function] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        self.rules: dict[str, events.Rule] = {}
        self.dead_letter_alarms: dict[str, cloudwatch.Alarm] = {}
        deployer_routes = routes(
            group, staging_endpoint_name, production_endpoint_name, shadow_gate=shadow_gate
        )
        # Each endpoint stage's deployer builds models with its own stage's execution role.
        role_environment = {
            STAGING_ROLE: {names.ENV_EXECUTION_ROLE_ARN: staging_execution_role.role_arn},
            PRODUCTION_ROLE: {names.ENV_EXECUTION_ROLE_ARN: production_execution_role.role_arn},
        }
        for route in deployer_routes:
            deployed = DeployerFunction(
                self,
                "".join(part.title() for part in route.handler.split("_")),
                route=route,
                code=code,
                role=self.roles[route.role],
                environment={**environment, **role_environment.get(route.role, {})},
                alarm_topic=registry.topic,
                retry_attempts=retry_attempts,
                alarm_name=names.dead_letter_alarm_name(project_name, route.handler),
            )
            self.functions[route.handler] = deployed.function
            self.dead_letter_queues[route.handler] = deployed.dead_letter_queue
            self.rules[route.handler] = deployed.rule
            self.dead_letter_alarms[route.handler] = deployed.dead_letter_alarm
        grants = DeployerGrants(self, registry, project_name)
        grants.staging(
            self.roles[STAGING_ROLE], staging_endpoint_name, production_endpoint_name, staging_execution_role
        )
        grants.production(
            self.roles[PRODUCTION_ROLE],
            production_endpoint_name,
            rollback_alarms,
            production_execution_role,
            shadow_gate=shadow_gate,
        )
        if shadow_gate:
            grants.shadow_evaluator(self.roles[EVALUATOR_ROLE])
        grants.notifier(self.roles[NOTIFIER_ROLE])
        # CDK makes each function depend on its role and the role's policy; the GetAtt of the role already
        # orders the role first (cfn-lint W3005), so keep only the policy: no invocation before its permissions.
        stack = cdk.Stack.of(self)
        for route in deployer_routes:
            role = self.roles[route.role]
            policy = cast(cdk.CfnElement, role.node.find_child("DefaultPolicy").node.default_child)
            cast(cdk.CfnResource, self.functions[route.handler].node.default_child).add_override(
                "DependsOn", [stack.get_logical_id(policy)]
            )
