"""``SageMakerStore``: the wire under the registry client, over one model package group.

The client (``modelops.registry.client``) checks input and the lifecycle rules, then delegates here in one
line; the store owns the calls, the paging and the mapping of "not found" errors, and returns raw
SageMaker records (the client turns them into frozen entities with ``ModelVersion.from_package``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from botocore.exceptions import ClientError

from modelops.contract import lifecycle
from modelops.registry.errors import UnknownModelError, UnknownVersionError

NOT_FOUND: Final = ("ValidationException", "ResourceNotFound", "ResourceNotFoundException")


class SageMakerStore:
    """Reads and writes the versions of one model package group through an injected SageMaker client."""

    def __init__(self, sagemaker_client: Any, group_name: str, *, page_size: int = 100) -> None:
        self._client = sagemaker_client
        self.group_name = group_name
        self._page_size = page_size
        self._group_arn: str | None = None

    @property
    def group_arn(self) -> str:
        """The group's ARN; the first use checks that the group exists (one call, then cached)."""
        if self._group_arn is None:
            try:
                found = self._client.describe_model_package_group(ModelPackageGroupName=self.group_name)
            except ClientError as error:
                if error_code(error) in NOT_FOUND:
                    raise UnknownModelError(
                        f"model package group {self.group_name!r} does not exist; pass an existing one "
                        "with --group or MODELOPS_MODEL_PACKAGE_GROUP"
                    ) from None
                raise
            self._group_arn = found["ModelPackageGroupArn"]
        return self._group_arn

    def package_arn(self, version: int) -> str:
        # A versioned package's ARN is its group's ARN with model-package/<group lower-cased>/<version>.
        prefix = self.group_arn.split(":model-package-group/")[0]
        return f"{prefix}:model-package/{self.group_name.lower()}/{version}"

    def describe(self, arn: str) -> dict[str, Any]:
        try:
            return dict(self._client.describe_model_package(ModelPackageName=arn))
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                raise UnknownVersionError(f"no model package {arn}") from None
            raise

    def newest_summary(self, *, approved: bool) -> dict[str, Any] | None:
        request: dict[str, Any] = {
            "ModelPackageGroupName": self.group_name,
            "ModelPackageType": "Versioned",
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": 1,
        }
        if approved:
            request["ModelApprovalStatus"] = lifecycle.APPROVED
        summaries = self._client.list_model_packages(**request)["ModelPackageSummaryList"]
        return summaries[0] if summaries else None

    def search(
        self, filters: list[dict[str, str]], *, sort_by: str, limit: int | None
    ) -> list[dict[str, Any]]:
        """Versioned packages of this group matching ``filters``, newest ``sort_by`` first, at most ``limit``.

        Pages until ``limit`` records have arrived, in the order SageMaker sorts them (SortBy, SortOrder).
        """
        request: dict[str, Any] = {
            "Resource": "ModelPackage",
            "SearchExpression": {"Filters": [equals("ModelPackageGroupName", self.group_name), *filters]},
            "SortBy": sort_by,
            "SortOrder": "Descending",
            "MaxResults": min(self._page_size, limit) if limit else self._page_size,
        }
        found: list[dict[str, Any]] = []
        while limit is None or len(found) < limit:
            page = self._client.search(**request)
            # Search also matches unversioned packages by name; only versions of this group count.
            found += [
                result["ModelPackage"]
                for result in page.get("Results", [])
                if (result.get("ModelPackage") or {}).get("ModelPackageVersion") is not None
            ]
            token = page.get("NextToken")
            if not token:
                break
            request["NextToken"] = token
        return found[:limit] if limit is not None else found

    def create(self, request: Mapping[str, Any]) -> str:
        """CreateModelPackage; the new version's ARN."""
        return str(self._client.create_model_package(**request)["ModelPackageArn"])

    def update(self, arn: str, **changes: Any) -> None:
        self._client.update_model_package(ModelPackageArn=arn, **changes)

    def served(self, endpoint: str) -> tuple[str | None, str | None]:
        """An endpoint's status and the package its tag says it serves; (None, None) when it does not exist."""
        try:
            described = self._client.describe_endpoint(EndpointName=endpoint)
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return None, None
            raise
        tags = self._client.list_tags(ResourceArn=described["EndpointArn"]).get("Tags", [])
        served = next((t["Value"] for t in tags if t["Key"] == lifecycle.TAG_SERVED_PACKAGE), None)
        return described["EndpointStatus"], served


def equals(name: str, value: str) -> dict[str, str]:
    return {"Name": name, "Operator": "Equals", "Value": value}


def one_of(name: str, values: tuple[str, ...]) -> dict[str, str]:
    """A Search filter matching any of ``values`` (operator ``In``: text properties, comma-delimited)."""
    return {"Name": name, "Operator": "In", "Value": ",".join(values)}


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
