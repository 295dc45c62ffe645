"""Fixtures shared by every test area: the embedded AWS (``embedded_aws``, ``synthesized_cdk_out``)."""

pytest_plugins = ["modelops.local.pytest_plugin"]
