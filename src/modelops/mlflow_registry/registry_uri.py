"""The registry URI that selects this store: ``modelops://<group>[,<group>...][?artifact_bucket=<bucket>]``
(``&read_only=true`` for the MLflow server's own pages).

MLflow picks a model-registry store by the scheme of the registry URI (``mlflow.set_registry_uri`` or
``MLFLOW_REGISTRY_URI``; the store plugins register under the ``mlflow.model_registry_store`` entry point).
The URI names the governed groups, the only registered-model names this store accepts, and where the
store writes the serving archive; the region and the credentials are the caller's (the default chain, or
the embedded AWS through ``AWS_ENDPOINT_URL``), so IAM judges every call as it judges the CLI's.
With no group in the URI the store governs ``MODELOPS_MODEL_PACKAGE_GROUP`` (default ``diabetes-progression``);
with no bucket it uses ``MODELOPS_ARTIFACT_BUCKET``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs, urlparse

from modelops.contract import names

SCHEME: Final = "modelops"
# CreateModelPackageGroup's ModelPackageGroupName (the API reference's pattern and length): MLflow accepts
# names SageMaker refuses (underscores, dots, 64+ characters), so this is checked before any call.
_GROUP_NAME: Final = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
GROUP_NAME_RULE: Final = (
    "SageMaker model package group names are 1-63 letters, digits and hyphens, starting with a letter or digit "
    "(no underscores, dots or spaces)"
)


class RegistryUriError(ValueError):
    """The registry URI is not one this store understands, or the name is not a governed group."""


@dataclass(frozen=True)
class RegistryTarget:
    """What a registry URI selects: the governed groups and the bucket for serving archives."""

    groups: tuple[str, ...]
    artifact_bucket: str | None
    read_only: bool = False  # the MLflow server's store: it reads the registry for its UI, never writes

    def check_name(self, name: str) -> str:
        """``name`` if it is one of the governed groups; a one-line refusal otherwise."""
        if not isinstance(name, str) or not _GROUP_NAME.match(name):
            raise RegistryUriError(f"registered model name {name!r} is refused: {GROUP_NAME_RULE}")
        if name not in self.groups:
            raise RegistryUriError(
                f"registered model {name!r} is not governed here; register into {', '.join(self.groups)}"
            )
        return name


def parse_registry_uri(uri: str) -> RegistryTarget:
    parsed = urlparse(uri)
    if parsed.scheme != SCHEME:
        raise RegistryUriError(f"{uri!r} is not a {SCHEME}:// registry URI")
    if parsed.path not in ("", "/"):
        raise RegistryUriError(
            f"{uri!r}: use {SCHEME}://<group>[,<group>...][?artifact_bucket=<bucket>] (no path)"
        )
    groups = tuple(g for g in parsed.netloc.split(",") if g) or (
        os.environ.get(names.ENV_GROUP_NAME) or names.DEFAULT_GROUP_NAME,
    )
    for group in groups:
        if not _GROUP_NAME.match(group):
            raise RegistryUriError(f"{uri!r} names group {group!r}: {GROUP_NAME_RULE}")
    query = parse_qs(parsed.query)
    unknown = set(query) - {"artifact_bucket", "read_only"}
    if unknown:
        raise RegistryUriError(
            f"{uri!r}: unknown parameter {', '.join(sorted(unknown))}; only artifact_bucket and read_only"
        )
    given = query.get("artifact_bucket") or []
    bucket = (given[0] if given else None) or os.environ.get(names.ENV_ARTIFACT_BUCKET) or None
    read_only = (query.get("read_only") or ["false"])[0].lower() == "true"
    return RegistryTarget(groups=groups, artifact_bucket=bucket, read_only=read_only)


def registry_uri(groups: tuple[str, ...] | list[str], artifact_bucket: str | None = None) -> str:
    """The URI for ``groups`` (what ``modelops local up`` exports as MLFLOW_REGISTRY_URI)."""
    uri = f"{SCHEME}://{','.join(groups)}"
    return f"{uri}?artifact_bucket={artifact_bucket}" if artifact_bucket else uri
