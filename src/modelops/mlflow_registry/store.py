"""``SageMakerRegistryStore``: MLflow's model registry, backed by the SageMaker Model Registry.

Selected by a ``modelops://`` registry URI (``registry_uri``) through MLflow's ``mlflow.model_registry_store``
entry point, it runs in the caller's process with the caller's AWS credentials, so IAM governs MLflow as it
governs the CLI, and it keeps nothing of its own: every answer is read from SageMaker, so a version has one
number and nothing can drift. Writes go through the same library the CLI uses (``modelops.registry``):
a registration is ``ModelRegistry.register_version``; setting ``@staging`` is an approval and setting
``@production`` a promotion, under the same rules and with the same one-line refusals.

MLflow's abstract store enforces nothing (a method left out silently returns None), so every method is
here: those the governed registry has no counterpart for refuse in one line.
"""

from __future__ import annotations

from typing import Any, Final

from modelops.mlflow_registry import conversion, registration
from modelops.mlflow_registry.errors import as_mlflow_errors, refuse
from modelops.mlflow_registry.registry_uri import RegistryTarget, parse_registry_uri
from modelops.registry import ModelRegistry, ModelVersion, UnknownVersionError

try:
    from mlflow.store.model_registry.abstract_store import AbstractStore
except ImportError:  # pragma: no cover - the store is only ever built by MLflow
    AbstractStore = object  # type: ignore[assignment,misc]

NOTHING_IS_DELETED: Final = (
    "the SageMaker Model Registry keeps every version; nothing is deleted or renamed (reject a version "
    "with `modelops reject`)"
)
_REASON: Final = "requested through MLflow: set alias @{alias}"


class SageMakerRegistryStore(AbstractStore):
    def __init__(self, store_uri: str, tracking_uri: str | None = None) -> None:
        super().__init__(store_uri=store_uri, tracking_uri=tracking_uri)
        with as_mlflow_errors():
            self.target: RegistryTarget = parse_registry_uri(store_uri)
        self.store_uri = store_uri
        self.tracking_uri = tracking_uri

    # ------------------------------------------------------------------------------------- clients
    def _sagemaker(self) -> Any:
        from modelops.deploy.clients import session as aws_session

        # A fresh session per store call reads the caller's credentials as they are now; it shares the
        # process's parsed service models (a session of its own parsed them again: ~0.13 s a call).
        return aws_session().client("sagemaker")

    def _writer(self, name: str) -> ModelRegistry:
        if self.target.read_only:
            refuse(
                "this MLflow server only reads the registry: register and set aliases from your own process "
                "with MLFLOW_REGISTRY_URI=modelops://<group> (modelops local up prints it), under your own "
                "AWS identity",
                "PERMISSION_DENIED",
            )
        return self._registry(name)

    def _registry(self, name: str) -> ModelRegistry:
        with as_mlflow_errors():
            return ModelRegistry(self._sagemaker(), self.target.check_name(name))

    def _versions(self, name: str) -> list[ModelVersion]:
        registry = self._registry(name)
        with as_mlflow_errors():
            return registry.search_versions()

    def _version(self, name: str, version: Any) -> ModelVersion:
        registry = self._registry(name)
        number = _number(version)
        with as_mlflow_errors():
            return registry.get_version(number)

    # ------------------------------------------------------------------------------------- registered models
    def create_registered_model(
        self, name: str, tags: Any = None, description: str | None = None, deployment_job_id: Any = None
    ) -> Any:
        """The group exists already (the registry stack made it): a first registration finds it, a second
        hears RESOURCE_ALREADY_EXISTS, which MLflow's log_model expects before it creates a version."""
        self._writer(name)
        versions = self._versions(name)
        if versions:
            refuse(
                f"registered model {name!r} already exists with {len(versions)} versions",
                "RESOURCE_ALREADY_EXISTS",
            )
        return self._registered_model(name, versions)

    def get_registered_model(self, name: str) -> Any:
        return self._registered_model(name, self._versions(name))

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Any:
        from mlflow.store.entities.paged_list import PagedList
        from mlflow.utils.search_utils import SearchModelUtils

        models = []
        for group in self.target.groups:
            try:
                models.append(self.get_registered_model(group))
            except Exception as error:  # a governed group not deployed yet is simply not listed
                if getattr(error, "error_code", None) != "RESOURCE_DOES_NOT_EXIST":
                    raise
        with as_mlflow_errors():
            found = SearchModelUtils.filter(models, filter_string) if filter_string else models
            found = SearchModelUtils.sort(found, order_by or ["name ASC"])
        return _page(PagedList, found, max_results, page_token)

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[Any]:
        versions = [conversion.to_model_version(v) for v in self._versions(name)]
        wanted = {s.lower() for s in stages} if stages else None
        latest: dict[str, Any] = {}
        for version in versions:  # newest first
            stage = version.current_stage
            if (wanted is None or stage.lower() in wanted) and stage not in latest:
                latest[stage] = version
        return list(latest.values())

    def update_registered_model(self, name: str, description: str, deployment_job_id: Any = None) -> Any:
        self._registry(name)
        refuse(f"{name!r} is described by the registry stack (ModelPackageGroupDescription), not by MLflow")

    def rename_registered_model(self, name: str, new_name: str) -> Any:
        refuse(NOTHING_IS_DELETED)

    def delete_registered_model(self, name: str) -> Any:
        refuse(NOTHING_IS_DELETED)

    def set_registered_model_tag(self, name: str, tag: Any) -> Any:
        refuse("registered-model tags are not kept: a group's tags belong to the registry stack")

    def delete_registered_model_tag(self, name: str, key: str) -> Any:
        refuse("registered-model tags are not kept: a group's tags belong to the registry stack")

    # ------------------------------------------------------------------------------------- versions
    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Any = None,
        run_link: str | None = None,
        description: str | None = None,
        local_model_path: str | None = None,
        model_id: str | None = None,
    ) -> Any:
        from mlflow.tracking import MlflowClient

        registry = self._writer(name)
        with as_mlflow_errors():
            from modelops.deploy.clients import session as aws_session

            s3 = aws_session().client("s3")
            created = registration.register(
                registry,
                s3,
                MlflowClient(tracking_uri=self.tracking_uri),
                region=str(registry_region(registry)),
                bucket=self.target.artifact_bucket,
                source=source,
                run_id=run_id,
                model_id=model_id,
                local_model_path=local_model_path,
                description=description,
            )
        return conversion.to_model_version(created)

    def get_model_version(self, name: str, version: Any) -> Any:
        return conversion.to_model_version(self._version(name, version))

    def get_model_version_download_uri(self, name: str, version: Any) -> str:
        found = self._version(name, version)
        source = found.properties.get(conversion.META_SOURCE)
        if not source:
            refuse(
                f"version {found.version} of {name!r} was registered without an MLflow-format model (by the "
                f"training pipeline): its serving archive is {found.model_data_url}; deploy it, or load it "
                "with joblib from model.tar.gz",
                "INVALID_PARAMETER_VALUE",
            )
        return source

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> Any:
        from mlflow.store.entities.paged_list import PagedList
        from mlflow.utils.search_utils import SearchModelVersionUtils

        versions = []
        for group in self.target.groups:
            try:
                versions += [conversion.to_model_version(v) for v in self._versions(group)]
            except Exception as error:  # a governed group not deployed yet has no versions
                if getattr(error, "error_code", None) != "RESOURCE_DOES_NOT_EXIST":
                    raise
        with as_mlflow_errors():
            found = SearchModelVersionUtils.filter(versions, filter_string) if filter_string else versions
            found = SearchModelVersionUtils.sort(found, order_by or ["version_number DESC"])
        return _page(PagedList, found, max_results, page_token)

    def update_model_version(self, name: str, version: Any, description: str) -> Any:
        self._version(name, version)
        refuse("a version's description is fixed at registration (ModelPackageDescription)")

    def transition_model_version_stage(
        self, name: str, version: Any, stage: str, archive_existing_versions: bool
    ) -> Any:
        refuse(
            "stages are set by the lifecycle, not by MLflow: set alias @staging (approve) or @production "
            "(promote), or use modelops approve/promote/rollback"
        )

    def delete_model_version(self, name: str, version: Any) -> Any:
        refuse(NOTHING_IS_DELETED)

    def set_model_version_tag(self, name: str, version: Any, tag: Any) -> Any:
        refuse(
            "version tags are not kept: a version's metadata is written once, at registration "
            "(log params and metrics on the run instead)"
        )

    def delete_model_version_tag(self, name: str, version: Any, key: str) -> Any:
        refuse("version tags are not kept: a version's metadata is written once, at registration")

    def copy_model_version(self, src_mv: Any, dst_name: str) -> Any:
        refuse("versions are registered from a run's logged model, not copied between registered models")

    # ------------------------------------------------------------------------------------- aliases
    def get_model_version_by_alias(self, name: str, alias: str) -> Any:
        registry = self._registry(name)
        key = alias.lower()
        with as_mlflow_errors():
            if key == conversion.ALIAS_STAGING:
                found = registry.get_version("staging")
                if conversion.ALIAS_STAGING not in conversion.aliases_of(found):
                    raise UnknownVersionError(
                        f"no version of {name!r} has passed staging: version {found.version} is "
                        f"{found.stage}/{found.stage_status}"
                    )
                return conversion.to_model_version(found)
            if key in (conversion.ALIAS_PRODUCTION, conversion.ALIAS_CHAMPION):
                return conversion.to_model_version(registry.get_version("production"))
        refuse(
            f"alias {alias!r} of {name!r} does not exist: aliases are where a version is "
            f"({', '.join('@' + a for a in conversion.STAGE_ALIASES)})",
            "RESOURCE_DOES_NOT_EXIST",
        )

    def set_registered_model_alias(self, name: str, alias: str, version: Any) -> None:
        registry = self._writer(name)
        number = _number(version)
        key = alias.lower()
        with as_mlflow_errors():
            if key == conversion.ALIAS_STAGING:
                registry.approve_version(number, _REASON.format(alias=key))
                return
            if key in (conversion.ALIAS_PRODUCTION, conversion.ALIAS_CHAMPION):
                registry.promote_version(number, _REASON.format(alias=key))
                return
        refuse(
            f"alias {alias!r} is not kept: aliases read as where a version is; setting @staging approves "
            "a version and @production promotes one"
        )

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        refuse(
            f"alias {alias!r} moves only with the lifecycle: reject a version (modelops reject) or roll "
            "production back (modelops rollback)"
        )

    # ------------------------------------------------------------------------------------- internals
    def _registered_model(self, name: str, versions: list[ModelVersion]) -> Any:
        return conversion.to_registered_model(name, None, versions)


def registry_region(registry: ModelRegistry) -> str:
    # The group's ARN carries the region the caller's client reached.
    return registry.group_arn.split(":")[3]


def _number(version: Any) -> int:
    text = str(version).strip()
    if not text.isdigit() or int(text) < 1:
        refuse(f"model version {version!r} is not a version number (1, 2, ...)")
    return int(text)


def _page(paged_list: Any, items: list[Any], max_results: int | None, page_token: str | None) -> Any:
    start = int(page_token) if page_token and page_token.isdigit() else 0
    end = start + max_results if max_results else len(items)
    token = str(end) if end < len(items) else None
    return paged_list(items[start:end], token)
