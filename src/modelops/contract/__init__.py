"""The contract every layer of modelops shares, and nothing else: it imports only the standard library.

- ``lifecycle``: approval statuses, stages, stage statuses, metadata keys, endpoint tags;
- ``names``: every name derived from a project (pipeline, stacks, endpoints, alarms, steps, handlers) and
  the environment variables the deployer reads;
- ``events``: the EventBridge vocabulary of the SageMaker events the system reacts to;
- ``settings``: the stage settings, their validation and the named stages read from ``cdk.json``;
- ``training``: what a training run produces and a version carries (image, files, hyperparameters);
- ``registration``: the one builder of a registration request (CreateModelPackage input).

``registry``, ``deploy``, ``local`` and ``pipelines`` build on it; ``cli`` and ``infra`` sit on top
(``docs/architecture.md``). The Lambda bundle ships it, so it stays small and dependency-free.
"""
