"""Who may write what (DESIGN.md "Governance"), as IAM statements: one function per role or resource.

The constructs that own the roles and resources call these functions; the statements say, with the condition
keys the service authorization reference lists for Create/UpdateModelPackage, which lifecycle transition and
which evidence key each role may write. ``tests/local/iam/test_must_not.py`` evaluates them, synthesized.
"""
