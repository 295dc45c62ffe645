"""A managed policy exported as ``<Human><More>PolicyArn`` is that human role's as well, never a role of its own
(the approver's shadow reads: IAM's 6,144 characters leave no room for them in the approver's policy)."""

from __future__ import annotations

from tests.local.iam.conftest import World


def test_the_approver_holds_its_shadow_read_policy_and_no_role_is_named_after_it(world: World) -> None:
    identities = world.principals.identities
    approver = {policy.name.rsplit("/", 1)[-1] for policy in identities["approver"].policies}
    data_scientist = {policy.name.rsplit("/", 1)[-1] for policy in identities["data-scientist"].policies}

    assert any(name.startswith("ApproverShadowReadPolicy") for name in approver)
    assert not any(name.startswith("ApproverShadowReadPolicy") for name in data_scientist)
    assert any(name.startswith("PeopleAuditLogPolicy") for name in approver & data_scientist)
    assert "approver-shadow-read" not in identities
    assert not [name for name in identities if name.startswith("people-")]
