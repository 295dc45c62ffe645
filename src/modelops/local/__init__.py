"""The embedded AWS: moto plus named, reversible patches (``patches``), SageMaker's events, and a dispatcher.

Start it with ``modelops.local.embedded.embedded_aws`` (in-process) or ``modelops local up`` (a server on
127.0.0.1). Nothing is imported here, so importing a submodule stays cheap.
"""
