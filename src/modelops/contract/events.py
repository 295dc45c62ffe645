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
# What CloudTrail delivers to EventBridge for an API call ("Events from AWS services", EventBridge User Guide:
# "All events that are delivered by CloudTrail have AWS API Call via CloudTrail as the value for detail-type").
API_CALL: Final = "AWS API Call via CloudTrail"
# The SageMaker calls whose caller the audit trail keeps beside the change they made.
AUDITED_CALLS: Final = ("CreateModelPackage", "UpdateModelPackage", "CreateEndpoint", "UpdateEndpoint")
CLOUDTRAIL_EVENT_SOURCE: Final = "sagemaker.amazonaws.com"
