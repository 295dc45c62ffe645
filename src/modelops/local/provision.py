"""Provision what the synthesized templates declare into the embedded AWS.

Why not moto's CloudFormation: it rejects the CDK bootstrap parameter (an SSM parameter type), cannot fetch
the Lambda code assets, does not know ``AWS::SageMaker::ModelPackageGroup``, and a rule with a Lambda target
makes every later ``put_events`` raise. The few types this project uses are created here, straight on moto's
backends (no HTTP, so the start stays fast), with deterministic names (``templates.default_name``).
Lambda functions are not created in moto: the dispatcher runs their handler code in-process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from modelops.local.logs_target import LogTarget
from modelops.local.templates import Resolver, Stack, Unresolvable

# Types the emulator does not create, and why (matched by prefix); anything else is "not emulated".
_NOT_NEEDED = {
    "AWS::IAM::": "IAM is not enforced locally",
    "AWS::Lambda::Permission": "IAM is not enforced locally",
    "AWS::S3::BucketPolicy": "resource policies are not enforced locally",
    "AWS::SNS::TopicPolicy": "resource policies are not enforced locally",
    "AWS::SQS::QueuePolicy": "resource policies are not enforced locally",
    "AWS::KMS::Alias": "keys are addressed by id and ARN locally",
    "AWS::Logs::LogGroup": "handler logs go to this process's output (a named log group is created)",
    "AWS::CDK::Metadata": "CDK bookkeeping",
}


@dataclass(frozen=True)
class Function:
    """A Lambda function whose handler the dispatcher runs in-process."""

    stack: str
    logical_id: str
    name: str
    arn: str
    handler: str
    environment: dict[str, str]
    timeout_seconds: int = 3
    memory_mb: int = 128
    dead_letter_arn: str | None = None  # the function's DeadLetterConfig: where failed async events go
    max_retries: int = 2  # Lambda retries a failed asynchronous invocation twice unless configured
    on_failure_arn: str | None = None  # EventInvokeConfig DestinationConfig.OnFailure


@dataclass(frozen=True)
class Rule:
    stack: str
    logical_id: str
    name: str
    arn: str
    pattern: dict[str, Any]
    function_arns: tuple[str, ...]
    inputs: tuple[str | None, ...] = ()  # a target's constant Input replaces the event, as in EventBridge
    log_targets: tuple[LogTarget, ...] = ()  # CloudWatch Logs targets, which the dispatcher writes
    schedule: str | None = (
        None  # ScheduleExpression: the rule fires on a schedule (``schedules``), no pattern
    )


@dataclass
class Provisioned:
    """What the templates declared and what became of it."""

    created: list[str] = field(default_factory=list)
    not_provisioned: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    schedules: list[Rule] = field(default_factory=list)  # rules with a ScheduleExpression and Lambda targets
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Each stack's resolver, as provisioning left it: what its intrinsics (policy ARNs included) resolve to.
    resolvers: dict[str, Resolver] = field(default_factory=dict)


def provision(stacks: list[Stack], account: str, region: str) -> Provisioned:
    result = Provisioned()
    exports: dict[str, Any] = {}
    for stack in stacks:
        resolver = Resolver(stack, account, region, exports, result.outputs)
        resolver.plan()
        result.resolvers[stack.name] = resolver
        _Provisioner(stack, resolver, account, region, result).run()
        outputs: dict[str, Any] = {}
        for name, output in stack.template.get("Outputs", {}).items():
            try:
                outputs[name] = resolver.resolve(output["Value"])
            except Unresolvable as exc:
                result.problems.append(f"{stack.name} output {name}: cannot resolve {exc}")
                continue
            export = output.get("Export", {}).get("Name")
            if export is not None:
                exports[str(resolver.resolve(export))] = outputs[name]
        result.outputs[stack.name] = outputs
    return result


class _Provisioner:
    def __init__(
        self, stack: Stack, resolver: Resolver, account: str, region: str, result: Provisioned
    ) -> None:
        self.stack, self.r, self.account, self.region, self.result = stack, resolver, account, region, result

    def run(self) -> None:
        creators = {
            "AWS::S3::Bucket": self._bucket,
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Topic": self._topic,
            "AWS::SNS::Subscription": self._subscription,
            "AWS::KMS::Key": self._key,
            "AWS::SageMaker::ModelPackageGroup": self._group,
            "AWS::SageMaker::Pipeline": self._pipeline,
            "AWS::Lambda::Function": self._function,
            "AWS::CloudWatch::Alarm": self._alarm,
            "AWS::Logs::ResourcePolicy": self._log_resource_policy,
        }
        # Functions and their invoke configs first: rules point at them.
        order = sorted(self.stack.resources.items(), key=lambda item: _rank(item[1]["Type"]))
        for logical_id, resource in order:
            kind = resource["Type"]
            label = f"{self.stack.name}/{logical_id} ({kind})"
            creator = creators.get(kind)
            if kind == "AWS::Lambda::EventInvokeConfig":
                creator = self._invoke_config
            elif kind == "AWS::Events::Rule":
                creator = self._rule
            elif kind == "AWS::Logs::LogGroup" and "LogGroupName" in resource.get("Properties", {}):
                creator = self._log_group  # a log a rule writes or a reader reads by name (the audit log)
            if creator is None:
                reason = next(
                    (why for prefix, why in _NOT_NEEDED.items() if kind.startswith(prefix)), "not emulated"
                )
                self.result.not_provisioned.append(f"{label}: {reason}")
                continue
            try:
                creator(logical_id, self.r.resolve(resource.get("Properties", {})))
            except Unresolvable as exc:
                self.result.problems.append(f"{label}: cannot resolve {exc}")
                continue
            self.result.created.append(f"{label} -> {self.r.name_of(logical_id)}")

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.s3.models import s3_backends

        backend = s3_backends[self.account]["aws"]
        name = self.r.name_of(logical_id)
        backend.create_bucket(name, self.region)
        if props.get("VersioningConfiguration", {}).get("Status") == "Enabled":
            backend.put_bucket_versioning(name, "Enabled")

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.sqs.models import sqs_backends

        keep = (
            "FifoQueue",
            "ContentBasedDeduplication",
            "VisibilityTimeout",
            "MessageRetentionPeriod",
            "DelaySeconds",
            "ReceiveMessageWaitTimeSeconds",
        )
        attributes = {
            key: str(props[key]).lower() if isinstance(props[key], bool) else props[key]
            for key in keep
            if key in props
        }
        backend: Any = sqs_backends[self.account][self.region]
        backend.create_queue(self.r.name_of(logical_id), **attributes)

    def _topic(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.sns.models import sns_backends

        backend = sns_backends[self.account][self.region]
        attributes = {"DisplayName": props["DisplayName"]} if "DisplayName" in props else {}
        topic = backend.create_topic(self.r.name_of(logical_id), attributes=attributes)
        for subscription in props.get("Subscription", []):
            backend.subscribe(topic.arn, subscription["Endpoint"], subscription["Protocol"])

    def _subscription(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.sns.models import sns_backends

        sns_backends[self.account][self.region].subscribe(
            props["TopicArn"], props["Endpoint"], props["Protocol"]
        )

    def _key(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.kms.models import kms_backends

        backend = kms_backends[self.account][self.region]
        key = backend.create_key(
            None,
            props.get("KeyUsage", "ENCRYPT_DECRYPT"),
            props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            props.get("Description", ""),
            None,
        )
        # moto draws a random key id; re-key it to the planned one so the ARN is the same every run.
        backend.keys.pop(key.id)
        key.id = self.r.name_of(logical_id)
        key.arn = self.r.physical[logical_id].attributes["Arn"]
        backend.keys[key.id] = key

    def _group(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.sagemaker.models import sagemaker_backends

        backend: Any = sagemaker_backends[self.account][self.region]  # patched: has the policy calls
        name = self.r.name_of(logical_id)
        backend.create_model_package_group(
            name, props.get("ModelPackageGroupDescription", ""), props.get("Tags")
        )
        policy = props.get("ModelPackageGroupPolicy")
        if policy is not None:
            backend.put_model_package_group_policy(
                name, policy if isinstance(policy, str) else json.dumps(policy)
            )

    def _pipeline(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.sagemaker.models import sagemaker_backends

        definition = props.get("PipelineDefinition", {})
        body = definition.get("PipelineDefinitionBody")
        if body is None:
            raise Unresolvable("PipelineDefinitionS3Location (a CDK asset the emulator does not hold)")
        backend: Any = sagemaker_backends[self.account][self.region]
        backend.create_pipeline(
            self.r.name_of(logical_id),
            props.get("PipelineDisplayName") or self.r.name_of(logical_id),
            body,
            None,
            props.get("PipelineDescription", ""),
            props["RoleArn"],
            props.get("Tags") or [],
            # None when the template sets none: DescribePipeline then leaves the optional member out, where
            # {} broke its required MaxParallelExecutionSteps (API_DescribePipeline, ParallelismConfiguration).
            props.get("ParallelismConfiguration"),
        )

    def _function(self, logical_id: str, props: dict[str, Any]) -> None:
        attributes = self.r.physical[logical_id].attributes
        self.result.functions[attributes["Arn"]] = Function(
            stack=self.stack.name,
            logical_id=logical_id,
            name=self.r.name_of(logical_id),
            arn=attributes["Arn"],
            handler=props["Handler"],
            environment={k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()},
            timeout_seconds=int(props.get("Timeout", 3)),
            memory_mb=int(props.get("MemorySize", 128)),
            dead_letter_arn=props.get("DeadLetterConfig", {}).get("TargetArn"),
        )

    def _invoke_config(self, logical_id: str, props: dict[str, Any]) -> None:
        from dataclasses import replace

        name = props["FunctionName"]
        arn = next((a for a, f in self.result.functions.items() if name in (f.name, f.arn)), None)
        if arn is None:
            raise Unresolvable(f"function {name}")
        on_failure = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        self.result.functions[arn] = replace(
            self.result.functions[arn],
            max_retries=int(props.get("MaximumRetryAttempts", 2)),
            on_failure_arn=on_failure,
        )

    def _rule(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.events.models import events_backends

        name = self.r.name_of(logical_id)
        bus = props.get("EventBusName", "default")
        if bus not in ("default", None):
            raise Unresolvable(f"event bus {bus} (only the default bus is emulated)")
        backend = events_backends[self.account][self.region]
        pattern = props.get("EventPattern")
        backend.put_rule(
            name,
            description=props.get("Description"),
            state=props.get("State", "ENABLED"),
            event_pattern=json.dumps(pattern) if pattern is not None else None,
            scheduled_expression=props.get("ScheduleExpression"),
        )
        targets = props.get("Targets", [])
        lambdas = [t for t in targets if t["Arn"].split(":")[2] == "lambda"]
        log_targets = tuple(LogTarget.from_template(t) for t in targets if t["Arn"].split(":")[2] == "logs")
        others = [t for t in targets if t not in lambdas]
        if others:
            backend.put_targets(name, None, others)
        if not (lambdas or log_targets) or props.get("State", "ENABLED") != "ENABLED":
            return
        rule = Rule(
            stack=self.stack.name,
            logical_id=logical_id,
            name=name,
            arn=self.r.physical[logical_id].attributes["Arn"],
            pattern=pattern or {},
            function_arns=tuple(t["Arn"] for t in lambdas),
            inputs=tuple(t.get("Input") for t in lambdas),
            log_targets=log_targets,
            schedule=props.get("ScheduleExpression"),
        )
        if pattern is not None:
            self.result.rules.append(rule)
        elif rule.schedule is not None:
            self.result.schedules.append(rule)

    def _log_group(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.logs.models import logs_backends

        backend = logs_backends[self.account][self.region]
        name = props["LogGroupName"]
        options = {"kmsKeyId": props["KmsKeyId"]} if props.get("KmsKeyId") else {}
        backend.create_log_group(name, {}, **options)
        if props.get("RetentionInDays") is not None:
            backend.put_retention_policy(name, str(int(props["RetentionInDays"])))

    def _log_resource_policy(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.logs.models import logs_backends

        document = props["PolicyDocument"]
        logs_backends[self.account][self.region].put_resource_policy(
            props["PolicyName"], document if isinstance(document, str) else json.dumps(document)
        )

    def _alarm(self, logical_id: str, props: dict[str, Any]) -> None:
        from moto.cloudwatch.models import cloudwatch_backends

        if "MetricName" not in props:
            raise Unresolvable("metric-math alarm (only single-metric alarms are emulated)")
        cloudwatch_backends[self.account][self.region].put_metric_alarm(
            name=self.r.name_of(logical_id),
            namespace=props.get("Namespace", ""),
            metric_name=props["MetricName"],
            comparison_operator=props["ComparisonOperator"],
            evaluation_periods=int(props["EvaluationPeriods"]),
            period=int(props.get("Period", 60)),
            threshold=float(props.get("Threshold", 0)),
            statistic=props.get("Statistic", "Average"),
            description=props.get("AlarmDescription", ""),
            dimensions=props.get("Dimensions", []),
            alarm_actions=props.get("AlarmActions", []),
            treat_missing_data=props.get("TreatMissingData"),
        )


def _rank(kind: str) -> int:
    return {"AWS::Lambda::Function": 1, "AWS::Lambda::EventInvokeConfig": 2, "AWS::Events::Rule": 3}.get(
        kind, 0
    )
