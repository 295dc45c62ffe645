"""``ModelRegistry``: the registry client over one SageMaker model package group.

Each verb validates its input and checks the lifecycle rules, then delegates the wire to
``modelops.registry.store.SageMakerStore``. It takes an injected boto3 SageMaker client (the default credential chain, or the embedded AWS through
``AWS_ENDPOINT_URL``) and returns frozen entities. Every public method validates its input and checks the
lifecycle rules before its one write, so a refused call changes nothing.

Resolving a reference costs a fixed number of calls whatever the number of versions: an ARN is one
DescribeModelPackage; a version number is the same plus, once per registry object, DescribeModelPackageGroup
(the group's ARN gives the package's); ``resolve("latest")``/``resolve("latest-approved")`` is one
ListModelPackages (newest first, one result, approval filtered by SageMaker), ``get_version`` adds the
describe; ``production`` is one Search filtered on ``ModelLifeCycle.Stage``/``StageStatus`` returning one full
record (``staging``: one per status, two). Listing uses Search too, so a page of up to 100 versions arrives
with its metadata instead of one describe per version.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from modelops.contract import lifecycle
from modelops.contract.registration import Registration, RegistrationError, registration_request
from modelops.contract.settings import GROUP_NAME_PATTERN
from modelops.contract.training import CONTENT_TYPES, RESPONSE_TYPES
from modelops.registry import history, transitions
from modelops.registry.audit import Transition
from modelops.registry.diff import diff_versions as _diff
from modelops.registry.endpoint_status import endpoint_statuses
from modelops.registry.entities import EndpointStatus, ModelVersion, VersionDiff
from modelops.registry.errors import (
    IllegalTransitionError,
    InvalidMetadataError,
    MalformedReferenceError,
    UnknownModelError,
    UnknownVersionError,
)
from modelops.registry.references import Reference, parse_reference
from modelops.registry.store import SageMakerStore, equals, one_of

# Statuses in which a version sits on (or is being verified on) the staging endpoint.
_ON_STAGING: Final = (lifecycle.STATUS_PASSED, lifecycle.STATUS_DEPLOYING)

Ref = str | int


class ModelRegistry:
    """Versions of one model (a SageMaker model package group): register, find, compare, govern."""

    def __init__(
        self, sagemaker_client: Any, group_name: str, *, page_size: int = 100, logs_client: Any = None
    ) -> None:
        if not isinstance(group_name, str) or not GROUP_NAME_PATTERN.match(group_name):
            raise UnknownModelError(
                f"{group_name!r} is not a model package group name (1-63 letters, digits and hyphens)"
            )
        if not 1 <= page_size <= 100:
            raise ValueError(f"page_size must be 1-100 (SageMaker's MaxResults); got {page_size}")
        self.group_name = group_name
        self._client = sagemaker_client
        self._logs = logs_client  # CloudWatch Logs, for the audit log (get_history); optional otherwise
        self._store = SageMakerStore(sagemaker_client, group_name, page_size=page_size)

    # ----------------------------------------------------------------------------------------- reading
    @property
    def group_arn(self) -> str:
        """The group's ARN; the first use checks that the group exists (one call, then cached)."""
        return self._store.group_arn

    def get_version(self, ref: Ref) -> ModelVersion:
        """The version a reference names (see ``references.FORMS``)."""
        reference = self._reference(ref)
        if reference.kind == "version":
            assert reference.version is not None
            return self._describe(reference.version)
        if reference.kind == "arn":
            assert reference.arn is not None
            return self._describe_arn(reference.arn)
        if reference.kind == "stage":
            assert reference.stage is not None
            return self._in_stage(reference.stage)
        return self._describe_arn(self._latest_arn(approved=reference.kind == "latest-approved"))

    def resolve(self, ref: Ref) -> str:
        """The model package ARN a reference names, with the fewest calls (what a deployer needs)."""
        reference = self._reference(ref)
        if reference.kind in ("latest", "latest-approved"):
            return self._latest_arn(approved=reference.kind == "latest-approved")
        return self.get_version(reference.text).arn

    def search_versions(
        self,
        *,
        approval_status: str | None = None,
        stage: str | None = None,
        stage_status: str | None = None,
        metric_min: Mapping[str, float] | None = None,
        metric_max: Mapping[str, float] | None = None,
        limit: int | None = None,
    ) -> list[ModelVersion]:
        """Versions matching every filter, newest first. Metric bounds are inclusive; a version without
        the metric does not match a bound on it."""
        if approval_status is not None and approval_status not in lifecycle.APPROVAL_STATUSES:
            raise MalformedReferenceError(
                f"unknown approval status {approval_status!r}; use {', '.join(lifecycle.APPROVAL_STATUSES)}"
            )
        if stage is not None and stage not in lifecycle.STAGES:
            raise MalformedReferenceError(f"unknown stage {stage!r}; use {', '.join(lifecycle.STAGES)}")
        if stage_status is not None:
            allowed = transitions.STATUSES_BY_STAGE.get(stage) if stage else transitions.ALL_STATUSES
            if stage_status not in (allowed or ()):
                where = f" of {stage}" if stage else ""
                raise MalformedReferenceError(
                    f"unknown stage status{where} {stage_status!r}; use {', '.join(allowed or ())}"
                )
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be at least 1; got {limit}")
        filters = []
        if approval_status is not None:
            filters.append(equals("ModelApprovalStatus", approval_status))
        if stage is not None:
            filters.append(equals("ModelLifeCycle.Stage", stage))
        if stage_status is not None:
            filters.append(equals("ModelLifeCycle.StageStatus", stage_status))
        self.group_arn  # noqa: B018 - an unknown group must fail as such, not as an empty list
        low, high = dict(metric_min or {}), dict(metric_max or {})
        found: list[ModelVersion] = []
        # Only bounds force reading past `limit` records; otherwise stop paging once enough have arrived.
        fetch = None if (low or high) else limit
        for package in self._store.search(filters, sort_by="CreationTime", limit=fetch):
            version = ModelVersion.from_package(package)
            if _within(version, low, high):
                found.append(version)
        found.sort(key=lambda v: v.version, reverse=True)
        return found[:limit] if limit is not None else found

    def diff_versions(self, a: Ref, b: Ref) -> VersionDiff:
        """How version ``b`` differs from version ``a``."""
        return _diff(self.get_version(a), self.get_version(b))

    def get_history(self, ref: Ref | None = None, *, since: datetime | None = None) -> list[Transition]:
        """Every transition the audit log recorded (one version's or all, from ``since`` on), newest first;
        a change the log does not hold is a gap (``Transition.gap``), never filled from the current state."""
        if self._logs is None:
            raise TypeError("get_history reads the audit log: ModelRegistry(..., logs_client=<logs client>)")
        version = self.get_version(ref).version if ref is not None else None
        return history.history(self._logs, self.group_name, version, since)

    def get_endpoint_status(self, project_name: str) -> list[EndpointStatus]:
        """For staging and production: what the endpoint serves (its tag) next to what the registry says."""
        return endpoint_statuses(self._store, project_name, self._recorded_in)

    # ----------------------------------------------------------------------------------------- writing
    def register_version(
        self,
        *,
        image: str,
        model_data_url: str,
        code_commit: str | None = None,
        data_version: str | None = None,
        hyperparameters: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        properties: Mapping[str, str] | None = None,
        description: str | None = None,
        approval_status: str = lifecycle.PENDING,
        content_types: tuple[str, ...] = CONTENT_TYPES,
        response_types: tuple[str, ...] = RESPONSE_TYPES,
        instance_types: tuple[str, ...] = (),
        environment: Mapping[str, str] | None = None,
        pipeline_execution: str | None = None,
        training_job: str | None = None,
        sample_payload_uri: str | None = None,
        evaluation_uri: str | None = None,
    ) -> ModelVersion:
        """Register a new version (stage Development/Registered) with its metadata; returns it.

        The request is ``modelops.contract.registration``'s, the one every registration path sends; the
        pipeline fields (``pipeline_execution``, ``training_job``, ``evaluation_uri``) are what a run adds.
        Raises InvalidMetadataError, before any call, for what SageMaker would refuse.
        """
        registration = Registration(
            group_name=self.group_name,
            image=image,
            model_data_url=model_data_url,
            approval_status=approval_status,
            environment=dict(environment or {}),
            content_types=content_types,
            response_types=response_types,
            instance_types=instance_types,
            code_commit=code_commit,
            data_version=data_version,
            pipeline_execution=pipeline_execution,
            training_job=training_job,
            sample_payload_uri=sample_payload_uri,
            evaluation_uri=evaluation_uri,
            hyperparameters=dict(hyperparameters or {}),
            metrics=dict(metrics or {}),
            properties=dict(properties or {}),
            description=description,
        )
        try:
            request = registration_request(registration)
        except RegistrationError as error:
            raise InvalidMetadataError(str(error)) from None
        self.group_arn  # noqa: B018 - fail as UnknownModelError before the write
        return self._describe_arn(self._store.create(request))

    def approve_version(self, ref: Ref, reason: str, *, override: bool = False) -> ModelVersion:
        """Set ModelApprovalStatus=Approved with the reason; a Rejected version needs ``override``.
        Approving an already Approved version changes nothing."""
        reason = transitions.require_reason(reason, "approving a version")
        version = self.get_version(ref)
        transitions.check_approve(version, override=override)
        if version.approval_status == lifecycle.APPROVED:
            return version
        return self._update(version, ModelApprovalStatus=lifecycle.APPROVED, ApprovalDescription=reason)

    def reject_version(self, ref: Ref, reason: str) -> ModelVersion:
        """Set ModelApprovalStatus=Rejected with the reason (refused for what production serves)."""
        reason = transitions.require_reason(reason, "rejecting a version")
        version = self.get_version(ref)
        transitions.check_reject(version)
        if version.approval_status == lifecycle.REJECTED:
            return version
        return self._update(version, ModelApprovalStatus=lifecycle.REJECTED, ApprovalDescription=reason)

    def promote_version(self, ref: Ref, reason: str) -> ModelVersion:
        """Ask for production: a version in Staging/Passed becomes Production/Approved; the deployer acts."""
        reason = transitions.require_reason(reason, "promoting a version")
        version = self.get_version(ref)
        transitions.check_promote(version, self._optional_stage(lifecycle.STAGE_PRODUCTION))
        return self._set_life_cycle(version, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_APPROVED, reason)

    def set_stage(self, ref: Ref, stage: str, status: str, reason: str) -> ModelVersion:
        """Low-level stage move for automation; promotion and rollback have their own verbs."""
        reason = transitions.require_reason(reason, "changing a version's stage")
        version = self.get_version(ref)
        transitions.check_set_stage(version, stage, status)
        return self._set_life_cycle(version, stage, status, reason)

    def rollback(self, reason: str, *, to: Ref | None = None) -> ModelVersion:
        """Ask to redeploy the previous production version (Production/RollbackRequested); returns it.

        The previous version is the most recently retired Approved one (Archived/Retired), i.e. the one the
        current production version replaced; ``to`` names another retired version instead.
        """
        reason = transitions.require_reason(reason, "a rollback")
        pending = self._first_in(lifecycle.STAGE_PRODUCTION, (lifecycle.STATUS_ROLLBACK_REQUESTED,))
        if pending is not None:
            raise IllegalTransitionError(
                f"a rollback to version {pending.version} is already requested; wait for the deployer "
                "to finish it (modelops status)"
            )
        current = self._optional_stage(lifecycle.STAGE_PRODUCTION)
        if current is None:
            raise IllegalTransitionError(
                "no version is deployed to production, so there is nothing to roll back"
            )
        if to is not None:
            target = self.get_version(to)
        else:
            target_or_none = self._first_in(
                lifecycle.STAGE_ARCHIVED, (lifecycle.STATUS_RETIRED,), approval=lifecycle.APPROVED
            )
            if target_or_none is None:
                raise IllegalTransitionError(
                    f"production serves version {current.version}; no earlier production version "
                    f"({lifecycle.STAGE_ARCHIVED}/{lifecycle.STATUS_RETIRED}, Approved) exists to go back to"
                )
            target = target_or_none
        transitions.check_rollback_target(target, current)
        description = f"rollback from version {current.version}: {reason}"[: transitions.MAX_REASON]
        return self._set_life_cycle(
            target, lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_ROLLBACK_REQUESTED, description
        )

    # ----------------------------------------------------------------------------------------- internals
    def _reference(self, ref: Ref) -> Reference:
        if isinstance(ref, bool):
            raise MalformedReferenceError(f"{ref!r} is not a version reference")
        reference = parse_reference(str(ref))
        if reference.group is not None and reference.group.lower() != self.group_name.lower():
            raise UnknownModelError(
                f"{reference.text!r} names model {reference.group!r}, but this registry is "
                f"{self.group_name!r}; use --group {reference.group}"
            )
        return reference

    def _describe(self, version: int) -> ModelVersion:
        try:
            return self._describe_arn(self._store.package_arn(version))
        except UnknownVersionError:
            newest = self._store.newest_summary(approved=False)
            hint = f"the newest is {newest['ModelPackageVersion']}" if newest else "it has no versions yet"
            raise UnknownVersionError(
                f"version {version} of {self.group_name!r} does not exist; {hint}"
            ) from None

    def _describe_arn(self, arn: str) -> ModelVersion:
        return ModelVersion.from_package(self._store.describe(arn))

    def _latest_arn(self, *, approved: bool) -> str:
        newest = self._store.newest_summary(approved=approved)
        if newest is None:
            self.group_arn  # noqa: B018 - an unknown group is UnknownModelError, not "no versions"
            what = "approved version" if approved else "version"
            raise UnknownVersionError(f"model {self.group_name!r} has no {what} yet")
        return str(newest["ModelPackageArn"])

    def _optional_stage(self, stage: str) -> ModelVersion | None:
        try:
            return self._in_stage(stage)
        except UnknownVersionError:
            return None

    def _in_stage(self, stage: str) -> ModelVersion:
        """What the registry records as served in ``stage``: the most recently moved version that is
        Production/Deployed, or for staging, Staging/Passed or Staging/Deploying."""
        statuses = _ON_STAGING if stage == lifecycle.STAGE_STAGING else (lifecycle.STATUS_DEPLOYED,)
        found = self._first_in(stage, statuses)
        if found is None:
            self.group_arn  # noqa: B018 - an unknown group is UnknownModelError
            raise UnknownVersionError(
                f"no version of {self.group_name!r} is in {stage} ({' or '.join(statuses)})"
            )
        return found

    def _first_in(
        self, stage: str, statuses: tuple[str, ...], *, approval: str | None = None
    ) -> ModelVersion | None:
        # One Search: StageStatus "In" the statuses (the Filter reference: "one of the comma delimited
        # strings in Value"), newest LastModifiedTime first.
        filters = [equals("ModelLifeCycle.Stage", stage), one_of("ModelLifeCycle.StageStatus", statuses)]
        if approval is not None:
            filters.append(equals("ModelApprovalStatus", approval))
        found = self._store.search(filters, sort_by="LastModifiedTime", limit=1)
        return ModelVersion.from_package(found[0]) if found else None

    def _set_life_cycle(self, version: ModelVersion, stage: str, status: str, reason: str) -> ModelVersion:
        return self._update(
            version, ModelLifeCycle={"Stage": stage, "StageStatus": status, "StageDescription": reason}
        )

    def _update(self, version: ModelVersion, **changes: Any) -> ModelVersion:
        self._store.update(version.arn, **changes)
        return self._describe_arn(version.arn)

    def _recorded_in(self, environment: str) -> ModelVersion | None:
        try:
            return self.get_version(environment)
        except UnknownVersionError:
            return None


def _within(version: ModelVersion, low: Mapping[str, float], high: Mapping[str, float]) -> bool:
    for name, bound in low.items():
        value = version.metrics.get(name)
        if value is None or not value >= bound:
            return False
    for name, bound in high.items():
        value = version.metrics.get(name)
        if value is None or not value <= bound:
            return False
    return True
