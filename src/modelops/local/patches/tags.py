"""The ``tags`` patch: AddTags, ListTags and DeleteTags on model package versions, AddTags overwriting a key.

As the SageMaker API reference documents AddTags, it "adds or overwrites one or more tags", and "tag keys must
be unique per resource". moto 5.2.5 crashes resolving a versioned model
package ARN (``.../model-package/<group>/<version>`` has two slashes) and appends a duplicate key.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend

from modelops.local.patches.patch import Patch, PatchGroup


def resource_from_arn(original: Any, self: Any, arn: str) -> Any:
    """The resource an ARN names; a versioned model package ARN resolves to its package."""
    if ":model-package/" in arn:
        package = self.model_packages.get(arn)
        if package is None:
            raise ValidationError(f"Could not find model-package with name {arn.split('/', 1)[1]}")
        package.tags = package.tags or []
        return package
    return original(self, arn)


def add_tags(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    """AddTags overwrites the value of a key that is already there (moto appended a duplicate)."""
    resource = self._get_resource_from_arn(arn)
    given = {tag["Key"]: tag for tag in tags}
    resource.tags = [t for t in resource.tags or [] if t["Key"] not in given] + list(given.values())
    return tags


GROUP = PatchGroup(
    name="tags",
    behaviour="tags on model package versions; AddTags overwrites the value of an existing key",
    operations=("AddTags", "ListTags", "DeleteTags"),
    references=(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AddTags.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ListTags.html",
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeleteTags.html",
    ),
    build=lambda: [
        Patch(SageMakerModelBackend, "_get_resource_from_arn", resource_from_arn, wraps=True),
        Patch(SageMakerModelBackend, "add_tags", add_tags),
    ],
)
