"""Who signs a request: the access key a request carries, mapped to the identity whose policies decide it.

- the account administrator: the keys the embedded AWS starts with (the in-process fake keys, the local
  server's generated pair). It holds an allow-everything identity policy, like an administrator's
  ``AdministratorAccess``; resource policies' explicit denies still apply to it, as in AWS;
- role sessions: keys issued by the emulated STS (moto's ``AssumeRole``, whose sessions record the role ARN),
  for the human roles (``data-scientist``, ``approver``), for each function's execution role when the
  dispatcher runs its handler (Lambda assumes the execution role: "Lambda execution role", Lambda Developer
  Guide), and for any client that called ``sts:AssumeRole`` itself (decided against the trust policy).

A key that is none of these is refused: there is no anonymous or default caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelops.local.iam.cfn import Environment
from modelops.local.iam.policy import Policy, Principal
from modelops.local.iam.principals import Identity, Principals

ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Caller:
    identity: Identity
    session_arn: str  # the ARN a refusal names: the assumed-role session, or the account's root


@dataclass(frozen=True)
class Keys:
    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def environment(self) -> dict[str, str]:
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


@dataclass
class Callers:
    principals: Principals
    env: Environment
    admin_keys: dict[str, str] = field(default_factory=dict)  # access key -> secret
    _issued: dict[str, Keys] = field(default_factory=dict)  # (role ARN, session) -> keys, reused

    @property
    def admin(self) -> Caller:
        root = f"arn:{self.env.partition}:iam::{self.env.account}:root"
        identity = Identity(
            "account-administrator",
            Principal(root, self.env.account),
            (Policy.from_document("embedded-aws/AdministratorAccess", ADMIN_POLICY),),
            stack="",
            logical_id="",
        )
        return Caller(identity, root)

    def resolve(self, access_key: str | None) -> Caller | None:
        if access_key is None:
            return None
        if access_key in self.admin_keys:
            return self.admin
        session = self._session(access_key)
        if session is None:
            return None
        try:
            identity = self.principals.by_arn(session.role_arn)
        except KeyError:
            return None  # a role the assembly does not define holds no policies here: nothing allows it
        return Caller(identity, session.arn)

    def secret_for(self, access_key: str) -> str | None:
        """The secret of a key this embedded AWS issued (the loopback server checks signatures with it)."""
        if access_key in self.admin_keys:
            return self.admin_keys[access_key]
        session = self._session(access_key)
        return None if session is None else str(session.secret_access_key)

    def issue(self, role_arn: str, session_name: str) -> Keys:
        """Keys of a session of ``role_arn``, through the emulated STS; the same session reuses them."""
        cache_key = f"{role_arn} {session_name}"
        if cache_key not in self._issued:
            from moto.sts.models import sts_backends

            backend = sts_backends[self.env.account][self.env.partition]
            session = backend.assume_role(
                region_name=self.env.region,
                role_session_name=session_name,
                role_arn=role_arn,
                policy="",
                duration=SESSION_SECONDS,
                external_id="",
            )
            self._issued[cache_key] = Keys(
                session.access_key_id, session.secret_access_key, session.session_token
            )
        return self._issued[cache_key]

    def issue_for(self, name: str, session_name: str | None = None) -> Keys:
        """Keys for a principal of the assembly by name (a human role's, or a role's physical name)."""
        identity = self.principals.identity(name)
        return self.issue(identity.principal.arn, session_name or name)

    def _session(self, access_key: str) -> Any:
        from moto.sts.models import sts_backends

        return sts_backends[self.env.account][self.env.partition].get_assumed_role_from_access_key(access_key)
