"""What was verified is what is deployed: the artifact must still be the object pinned at registration.

A version's ``ModelDataUrl`` is a mutable S3 key. Registration records the object's version
(``artifact.s3_version_id``, from PutObject's ``VersionId`` on the versioned artifact bucket); before
production serves the version, the deployer asks S3 which object the key names now (HeadObject returns
``VersionId`` for a versioned bucket: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html)
and refuses when it is another one.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from modelops.contract import lifecycle as lc
from modelops.deploy.packages import PackageVersion


def artifact_problem(s3: Any, package: PackageVersion) -> str | None:
    """Why ``package``'s artifact is not the one pinned at registration; None when it is (or none is pinned).

    A version registered before pinning existed carries no pin, and nothing can be checked for it.
    """
    pinned = package.metadata.get(lc.META_ARTIFACT_VERSION_ID)
    if not pinned:
        return None
    if len(package.model_data_urls) != 1:
        return f"v{package.version} pins one artifact but names {len(package.model_data_urls)}"
    url = package.model_data_urls[0]
    bucket, _, key = url.removeprefix("s3://").partition("/")
    try:
        current = s3.head_object(Bucket=bucket, Key=key).get("VersionId")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("404", "NoSuchKey", "NotFound"):
            return f"the artifact {url} of v{package.version} no longer exists"
        raise
    if current != pinned:
        return (
            f"the artifact {url} of v{package.version} was replaced after registration (S3 version "
            f"{current}, pinned {pinned}): what staging verified is not what production would serve"
        )
    return None
