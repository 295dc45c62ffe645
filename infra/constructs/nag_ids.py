"""cdk-nag finding ids for IAM resources that hold a weak cross-stack reference.

With ``@aws-cdk/core:defaultCrossStackReferences: weak`` a token from another stack renders as
``{"Fn::GetStackOutput": {...}}`` in the consumer's policy, and cdk-nag names the finding after that JSON,
which includes the logical id CDK gives the producer's published output. Acknowledgments must match
finding ids exactly, so this module computes that id the way CDK 2.275 does (``createGetStackOutput`` and
``makeUniqueId`` in aws-cdk-lib); the DeploymentStack's cdk-nag test fails if CDK ever changes it.
"""

from __future__ import annotations

import hashlib
import json
import re

import aws_cdk as cdk

_MAX_HUMAN_LEN = 240


def _unique_id(components: list[str]) -> str:
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    deduped: list[str] = []
    for component in components:
        if not deduped or not deduped[-1].endswith(component):
            deduped.append(component)
    human = "".join(re.sub(r"[^A-Za-z0-9]", "", c) for c in deduped if c != "Default")
    return human[:_MAX_HUMAN_LEN] + digest


def rendered_reference(producer: cdk.Stack, token: str) -> str:
    """How ``token`` (an attribute of a resource in ``producer``) appears in another stack's policy."""
    resolved = json.dumps(producer.resolve(token), separators=(",", ":"))
    output_id = _unique_id(["Publish", "Output" + resolved])
    return json.dumps(
        {
            "Fn::GetStackOutput": {
                "StackName": producer.stack_name,
                "Region": {"Ref": "AWS::Region"},
                "OutputName": output_id,
            }
        },
        separators=(",", ":"),
    )
