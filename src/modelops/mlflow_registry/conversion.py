"""SageMaker versions as MLflow entities: one number, aliases read from where a version is.

A model package group is a registered model; its version N is MLflow's version N. Aliases are not kept
anywhere: they are read from the version's lifecycle state (DESIGN.md, "Lifecycle and state"), so an alias
always says where a version is, never where someone asked it to go. A package holds one lifecycle stage,
so a version answers to one stage alias at a time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from modelops.contract import lifecycle
from modelops.registry.entities import ModelVersion

ALIAS_STAGING: Final = "staging"  # Staging/Passed: verified on the staging endpoint
ALIAS_PRODUCTION: Final = "production"  # Production/Deployed: what the production endpoint serves
ALIAS_CHAMPION: Final = "champion"  # a synonym of production
STAGE_ALIASES: Final = (ALIAS_STAGING, ALIAS_PRODUCTION, ALIAS_CHAMPION)

# CustomerMetadataProperties an MLflow registration adds (free-form keys of modelops.contract.registration).
META_RUN_ID: Final = "mlflow.run_id"
META_EXPERIMENT_ID: Final = "mlflow.experiment_id"
META_MODEL_ID: Final = "mlflow.model_id"
META_SOURCE: Final = "mlflow.source"  # the MLflow model's artifact location: what load_model downloads

# MLflow's deprecated stage names, shown for the lifecycle stage a version is in.
_MLFLOW_STAGES: Final = {
    lifecycle.STAGE_DEVELOPMENT: "None",
    lifecycle.STAGE_STAGING: "Staging",
    lifecycle.STAGE_PRODUCTION: "Production",
    lifecycle.STAGE_ARCHIVED: "Archived",
}


def aliases_of(version: ModelVersion) -> list[str]:
    where = (version.stage, version.stage_status)
    if where == (lifecycle.STAGE_STAGING, lifecycle.STATUS_PASSED):
        return [ALIAS_STAGING]
    if where == (lifecycle.STAGE_PRODUCTION, lifecycle.STATUS_DEPLOYED):
        return [ALIAS_PRODUCTION, ALIAS_CHAMPION]
    return []


def millis(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment is not None else None


def to_model_version(version: ModelVersion) -> Any:
    from mlflow.entities.model_registry import ModelVersion as MlflowModelVersion
    from mlflow.entities.model_registry import ModelVersionTag

    tags = {
        "modelops.arn": version.arn,
        "modelops.approval_status": version.approval_status,
        "modelops.stage": f"{version.stage}/{version.stage_status}" if version.stage else "(no stage)",
    }
    if version.code_commit:
        tags["modelops.code_commit"] = version.code_commit
    if version.data_version:
        tags["modelops.data_version"] = version.data_version
    created = millis(version.created_time)
    assert created is not None
    return MlflowModelVersion(
        name=version.group,
        version=str(version.version),
        creation_timestamp=created,
        last_updated_timestamp=millis(version.modified_time) or created,
        description=version.description or version.stage_description,
        user_id=version.created_by,
        current_stage=_MLFLOW_STAGES.get(version.stage or "", "None"),
        source=version.properties.get(META_SOURCE) or version.model_data_url,
        run_id=version.properties.get(META_RUN_ID),
        tags=[ModelVersionTag(key, value) for key, value in tags.items()],
        aliases=aliases_of(version),
        model_id=version.properties.get(META_MODEL_ID),
    )


def to_registered_model(group: str, description: str | None, versions: Iterable[ModelVersion]) -> Any:
    from mlflow.entities.model_registry import RegisteredModel, RegisteredModelAlias

    versions = sorted(versions, key=lambda v: v.version, reverse=True)
    aliases = [RegisteredModelAlias(alias, str(v.version)) for v in versions for alias in aliases_of(v)]
    created = millis(min((v.created_time for v in versions), default=None))
    updated = millis(max((v.modified_time or v.created_time for v in versions), default=None))
    return RegisteredModel(
        name=group,
        creation_timestamp=created,
        last_updated_timestamp=updated,
        description=description,
        latest_versions=[to_model_version(versions[0])] if versions else [],
        aliases=aliases,
    )
