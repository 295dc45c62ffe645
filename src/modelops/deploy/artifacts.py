"""What was verified is what is deployed: production serves the artifact object staging verified, or nothing.

A version's ``ModelDataUrl`` is a mutable S3 key. When staging passes a version, the verifier records which
object it verified (``deploy.staging_artifact``: ``s3://bucket/key#<VersionId>``, or ``#<ETag>`` on an
unversioned bucket; HeadObject returns both,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html). Before production serves the
version, the production deployer asks S3 which object the key names now and refuses another one.

The record is taken when verification ends, so it alone cannot tell whether the key was overwritten while
the staging endpoint served it. Model artifacts are written once (each execution writes new keys; the bucket
policy refuses humans replacing one), so a key with more than one object version when verification ends
was replaced at some point: staging fails the version, whichever object is current. After that, the
recorded version ID is what production compares. ListObjectVersions lists a key's versions and delete
markers (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html).
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from modelops.contract import lifecycle as lc
from modelops.deploy.packages import PackageVersion


def artifact_identity(s3: Any, url: str) -> str | None:
    """``url#<VersionId or ETag>`` of the object ``url`` names now; None when there is none."""
    bucket, _, key = url.removeprefix("s3://").partition("/")
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return f"{url}#{head.get('VersionId') or str(head.get('ETag', '')).strip(chr(34))}"


def artifact_record(s3: Any, package: PackageVersion) -> dict[str, str]:
    """The metadata that records the artifact staging verified (nothing for a version without one)."""
    if len(package.model_data_urls) != 1:
        return {}
    identity = artifact_identity(s3, package.model_data_urls[0])
    return {lc.META_STAGING_ARTIFACT: identity[:256]} if identity else {}


def replaced_artifact(s3: Any, package: PackageVersion) -> str | None:
    """Why ``package``'s artifact cannot be trusted as written once; None when each key has one version."""
    for url in package.model_data_urls:
        bucket, _, key = url.removeprefix("s3://").partition("/")
        listing = s3.list_object_versions(Bucket=bucket, Prefix=key, MaxKeys=100)
        versions = [v for v in listing.get("Versions", []) if v.get("Key") == key]
        markers = [m for m in listing.get("DeleteMarkers", []) if m.get("Key") == key]
        if len(versions) + len(markers) > 1:
            return (
                f"the artifact {url} of v{package.version} was replaced after it was written "
                f"({len(versions)} object versions, {len(markers)} delete markers): model artifacts are "
                "written once, so what this key serves cannot be trusted"
            )
    return None


def artifact_problem(s3: Any, package: PackageVersion) -> str | None:
    """Why production must not serve ``package``'s artifact; None when it is the object staging verified.

    A version verified before the record existed carries none, and nothing can be compared for it.
    """
    changed = specification_problem(package)
    if changed:
        return changed
    verified = package.metadata.get(lc.META_STAGING_ARTIFACT)
    if not verified:
        return None
    url = verified.rsplit("#", 1)[0]
    if package.model_data_urls != (url,):
        return f"v{package.version} names {', '.join(package.model_data_urls)}, not the verified {url}"
    current = artifact_identity(s3, url)
    if current is None:
        return f"the artifact {url} of v{package.version} no longer exists"
    if current != verified:
        return (
            f"the artifact {url} of v{package.version} was replaced after staging verified it (now "
            f"{current.rsplit('#', 1)[1]}, verified {verified.rsplit('#', 1)[1]}): what staging verified is "
            "not what production would serve"
        )
    return None


def specification_problem(package: PackageVersion) -> str | None:
    """Why ``package``'s containers are not the ones staging deployed; None when they are.

    UpdateModelPackage accepts an InferenceSpecification and the service authorization reference lists no
    condition key for it, so IAM cannot stop an approver (or a deployer role) from changing the image,
    environment or artifact URL of a verified version: the digest staging recorded is the check instead.
    A version deployed to staging before the record existed carries none, and nothing can be compared.
    """
    recorded = package.metadata.get(lc.META_STAGING_SPEC)
    if not recorded or recorded == package.spec_digest:
        return None
    return (
        f"the inference specification of v{package.version} (image, environment or artifact) changed after "
        "staging deployed it: what staging verified is not what production would run"
    )
