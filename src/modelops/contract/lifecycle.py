"""The lifecycle vocabulary: approval statuses, stages, stage statuses, metadata keys and endpoint tags.

State lives in SageMaker itself (``ModelApprovalStatus`` and ``ModelLifeCycle`` on each package), so the
registry library, the deployer Lambdas, the pipelines and the embedded AWS must agree on these strings
exactly. The transitions between them are in ``docs/architecture.md`` ("Lifecycle").
"""

from __future__ import annotations

from typing import Final

# ModelApprovalStatus values, as SageMaker spells them.
PENDING: Final = "PendingManualApproval"
APPROVED: Final = "Approved"
REJECTED: Final = "Rejected"
APPROVAL_STATUSES: Final = (PENDING, APPROVED, REJECTED)

# ModelLifeCycle.Stage values.
STAGE_DEVELOPMENT: Final = "Development"
STAGE_STAGING: Final = "Staging"
STAGE_PRODUCTION: Final = "Production"
STAGE_ARCHIVED: Final = "Archived"
STAGES: Final = (STAGE_DEVELOPMENT, STAGE_STAGING, STAGE_PRODUCTION, STAGE_ARCHIVED)

# ModelLifeCycle.StageStatus values, per stage (docs/architecture.md, "Lifecycle").
STATUS_REGISTERED: Final = "Registered"  # Development
STATUS_DEPLOYING: Final = "Deploying"  # Staging, Production
STATUS_PASSED: Final = "Passed"  # Staging: verification passed, waiting for the production approval
STATUS_FAILED: Final = "Failed"  # Staging or Production: deployment or verification failed
STATUS_APPROVED: Final = "Approved"  # Production: an approver promoted it; the deployment starts
STATUS_DEPLOYED: Final = "Deployed"  # Production: the production endpoint serves it
STATUS_ROLLED_BACK: Final = "RolledBack"  # Production or Archived: taken out by a rollback
STATUS_RETIRED: Final = "Retired"  # Archived: replaced by a newer production version
# Production: `modelops rollback` asks to redeploy this older version. Distinct from Approved so the
# "never downgrade by accident" guard can tell an explicit rollback from a stray approval of an old version.
STATUS_ROLLBACK_REQUESTED: Final = "RollbackRequested"
# The shadow gate (a stage's ``shadow_gate`` setting): a promoted version is first tested as a shadow variant of
# the production endpoint (an inference experiment), and goes on to the blue/green update only on a passing
# verdict. Distinct statuses, so a version under test is never mistaken for one being deployed.
STATUS_SHADOW_TESTING: Final = "ShadowTesting"  # Production: its shadow test runs on the production endpoint
STATUS_SHADOW_FAILED: Final = "ShadowFailed"  # Production: the test failed, found no traffic or did not start
# Production: an approver ended the test early by rejecting the version under test; never promoted by it.
STATUS_SHADOW_STOPPED: Final = "ShadowStopped"

# CustomerMetadataProperties keys a registered version carries so it can be reproduced and compared.
# Flat keys because SageMaker caps each value at 256 characters and the map at 50 entries.
META_CODE_COMMIT: Final = "code_commit"
META_DATA_VERSION: Final = "data_version"
META_PIPELINE_EXECUTION: Final = "pipeline_execution_arn"
META_TRAINING_JOB: Final = "training_job"
META_SAMPLE_PAYLOAD: Final = "sample_payload_uri"  # S3 URI of JSON request bodies used to verify staging
META_HYPERPARAMETER_PREFIX: Final = "hyperparameter."  # e.g. "hyperparameter.n_estimators" -> "200"
META_METRIC_PREFIX: Final = "metric."  # e.g. "metric.rmse" -> "53.81"; the same values as ModelMetrics

# The metric that gates registration and champion/challenger comparison; lower is better.
PRIMARY_METRIC: Final = "rmse"

# Tag on an endpoint naming the model package ARN it serves: the endpoints are the truth for what is served.
TAG_SERVED_PACKAGE: Final = "modelops:model-package-arn"
# Tag on an endpoint naming the package it served before the current one, for staging roll-back.
TAG_PREVIOUS_PACKAGE: Final = "modelops:previous-model-package-arn"

# Deployment records the deployer keeps in CustomerMetadataProperties. The guards need facts that outlive
# ModelLifeCycle (which only holds the current stage): "passed staging" once the version is set to
# Production, and "served production" once it is archived and later asked back by a rollback.
META_STAGING_VERIFICATION: Final = "deploy.staging_verification"  # summary of the staging check that passed
META_PRODUCTION_SERVED: Final = "deploy.production_endpoint"  # endpoint that served it in production
META_REJECTION_NOTIFIED: Final = "deploy.rejection_notified"  # approvers were told of the rejection
# A staging deployer's record of the artifact it verified (``s3://bucket/key#<version id or ETag>``), so the
# production deployer can refuse an artifact that changed since (issue 12: what was verified is deployed).
META_STAGING_ARTIFACT: Final = "deploy.staging_artifact"
# A digest of the inference specification staging verified (``sha256:<hex>``): UpdateModelPackage takes an
# InferenceSpecification and no condition key governs it, so production compares instead (issue 12).
META_STAGING_SPEC: Final = "deploy.staging_spec"
# The shadow evaluator's verdict on a version's shadow test: ``<experiment> <outcome>: <numbers>``, outcome one
# of SHADOW_OUTCOMES. Written only by the evaluator's role, read by the production deployer, which acts on it
# only when it names the experiment the version is under now (a verdict of an earlier test is history).
# (A short key: it is named in every human policy's denies, which IAM caps at 6,144 characters.)
META_SHADOW_VERDICT: Final = "deploy.shadow"
SHADOW_PASS: Final = "pass"
SHADOW_FAIL: Final = "fail"
SHADOW_NO_TRAFFIC: Final = "no-traffic"
SHADOW_NOT_STARTED: Final = (
    "not-started"  # the experiment was cancelled before it ran (its shadow never started)
)
SHADOW_OUTCOMES: Final = (SHADOW_PASS, SHADOW_FAIL, SHADOW_NO_TRAFFIC, SHADOW_NOT_STARTED)

# What the gates trust, each written only by the deployer role that records it (infra.constructs.governance
# holds the IAM that says so): nobody else may set or remove these keys, at registration or later.
EVIDENCE_KEYS: Final = (
    META_STAGING_VERIFICATION,  # staging deployer (verify_staging), with Staging/Passed
    META_STAGING_ARTIFACT,  # staging deployer (verify_staging), with Staging/Passed
    META_STAGING_SPEC,  # staging deployer (verify_staging), with Staging/Passed
    META_PRODUCTION_SERVED,  # production deployer (finalize_production), with Production/Deployed
    META_REJECTION_NOTIFIED,  # staging deployer (with its rejection) and the notifier
    META_SHADOW_VERDICT,  # shadow evaluator (evaluate_shadow), on a version at Production/ShadowTesting
)
# Facts of a registration that a gate reads (champion/challenger compares the primary metric, verification
# sends the samples): written once, by the registering request, and never changed or removed afterwards.
REGISTRATION_FACTS: Final = (META_METRIC_PREFIX + PRIMARY_METRIC, META_SAMPLE_PAYLOAD)
# Which pipeline execution registered the version: written only by the pipeline's role, never by a person,
# so a version carrying it had its metric measured by the pipeline's evaluation step. The champion/challenger
# gate trusts a metric only then: a metric a person registered is their claim, shown but never compared.
SYSTEM_PROVENANCE: Final = (META_PIPELINE_EXECUTION,)
# A notification the deployer recorded a state for but could not yet send: one key per kind
# (``deploy.notification_owed.staging-passed``), its value the summary. Written with the state it reports,
# removed once SNS accepted it, so a retry or a later event on the version sends what is still owed.
META_NOTIFICATION_OWED_PREFIX: Final = "deploy.notification_owed."
# Every kind of notice a deployer may owe. Handlers re-send only these, and no human role may write or
# remove their keys (infra.constructs.governance.humans), so a notice cannot be forged or silenced.
NOTICE_KINDS: Final = (
    "staging-refused",
    "staging-passed",
    "staging-failed",
    "rejected",
    "production-refused",
    "production-deployed",
    "production-rollback-deployed",
    "production-rolled-back",
    "shadow-failed",
    "shadow-stopped",
)
OWED_NOTICE_KEYS: Final = tuple(META_NOTIFICATION_OWED_PREFIX + kind for kind in NOTICE_KINDS)
