"""The evaluator enforced in the embedded AWS: the only part of ``modelops.local.iam`` that touches moto.

:class:`Enforcer` decides each request moto serves; :data:`LAYER` installs it on moto's authorization hook
(``layer``); :class:`Callers` maps access keys to identities and issues role sessions (``callers``).
"""

from modelops.local.iam.enforcement.callers import Caller, Callers, Keys
from modelops.local.iam.enforcement.layer import LAYER, Counters, Enforcer, IamLayer, enforcer_for
from modelops.local.iam.enforcement.refusal import AccessDenied

__all__ = [
    "LAYER",
    "AccessDenied",
    "Caller",
    "Callers",
    "Counters",
    "Enforcer",
    "IamLayer",
    "Keys",
    "enforcer_for",
]
