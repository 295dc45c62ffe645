"""The EventBridge vocabulary of the SageMaker events modelops reacts to (and the embedded AWS emits).

Spelled as the EventBridge reference for SageMaker spells them ("SageMaker Model Package State Change",
"SageMaker Endpoint State Change"); the rules of the deployment stack match on exactly these strings.
"""

from __future__ import annotations

from typing import Final

SOURCE: Final = "aws.sagemaker"
PACKAGE_STATE_CHANGE: Final = "SageMaker Model Package State Change"
ENDPOINT_STATE_CHANGE: Final = "SageMaker Endpoint State Change"
DETAIL_TYPES: Final = (PACKAGE_STATE_CHANGE, ENDPOINT_STATE_CHANGE)
